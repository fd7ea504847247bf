/**
 * `openvpn3 log` and `openvpn3-admin log-service` as real processes on a private bus with the
 * project's policy (spec §13.1, §13.2, §8.3): the real log service (openvpn user), a stand-in
 * backend using the real logging layer (packages/log/src/testing/standin-backend.ts), and
 * this test as a stand-in session manager implementing `LogForward` by calling the log
 * service's `ProxyLogEvents`, `LookupConfigName` and the SessionManagerEvent broadcasts.
 *
 * Checks: `openvpn3 log --config NAME` as an unprivileged user waits for the session to be
 * created, prints its Log and StatusChange lines live (filtered by --log-level), turns
 * forwarding off and exits 0 when the session is destroyed; `--session-path`; admin settings
 * over D-Bus, subscription list, settings file edits.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BusName,
  DBusConnection,
  InterfaceName,
  LogCategory,
  ObjectPath,
  ServiceHost,
  SessionManagerEventType,
  logProxyInterface,
  logServiceInterface,
  proxy,
  requestName,
  sessionManagerInterface,
} from '@openvpn3-ts/dbus'
import { pollUntil, startBus, startProcess, testUsers } from '@openvpn3-ts/testkit'
import type { TestBus, TestProcess } from '@openvpn3-ts/testkit'

const OPENVPN3 = 'packages/cli/src/openvpn3.ts'
const ADMIN = 'packages/cli/src/openvpn3-admin.ts'
const BACKEND = 'packages/log/src/testing/standin-backend.ts'
const S1 = '/net/openvpn/v3/sessions/aaaaaaaas1111s4111s8111s111111111111'
const S2 = '/net/openvpn/v3/sessions/bbbbbbbbs2222s4222s8222s222222222222'

/** pollUntil for a condition (pollUntil stops at any defined value, `false` included). */
const until = (what: string, cond: () => boolean, timeoutMs = 15_000) =>
  pollUntil(what, () => (cond() ? true : undefined), { timeoutMs })

// the parts of the session manager's declarations the CLI uses
const managerDecl = {
  name: InterfaceName.sessions,
  methods: {
    LookupConfigName: sessionManagerInterface.methods.LookupConfigName,
    LookupInterface: sessionManagerInterface.methods.LookupInterface,
  },
  signals: { SessionManagerEvent: sessionManagerInterface.signals.SessionManagerEvent },
  properties: {},
} as const
const sessionDecl = {
  name: InterfaceName.sessions,
  methods: {
    LogForward: { in: [['enable', 'b']], out: [], doc: 'LogForward' },
  },
  signals: {},
  properties: { config_name: { type: 's', access: 'read', doc: 'profile name' } },
} as const

void describe('openvpn3 log / openvpn3-admin log-service', { timeout: 150_000 }, () => {
  const users = testUsers()
  let bus: TestBus
  let dir: string
  let service: TestProcess
  let conn: DBusConnection
  let host: ServiceHost
  const backends: TestProcess[] = []
  /** session path → config name (sessions the stand-in manager knows) */
  const sessions = new Map<string, string>()
  /** (receiver, session) → proxy path */
  const proxies = new Map<string, string>()
  const forwardCalls: [string, string, boolean][] = []

  const startBackend = async (path: string, token: string) => {
    const b = await startProcess({
      entry: BACKEND,
      args: [path, token],
      bus,
      uid: users.openvpn.uid,
      stdin: 'pipe',
      waitForLine: /READY/,
      name: `backend ${token}`,
    })
    backends.push(b)
    return b
  }
  const send = (p: TestProcess, cmd: Record<string, unknown>) =>
    p.child.stdin?.write(JSON.stringify(cmd) + '\n')
  const addSession = (path: string, config: string) => {
    sessions.set(path, config)
    host.export(path, sessionDecl, {
      methods: {
        LogForward: async ({ enable }, ctx) => {
          forwardCalls.push([ctx.sender, path, enable])
          const log = proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
          const key = `${ctx.sender} ${path}`
          if (enable) proxies.set(key, await log.ProxyLogEvents(ctx.sender, path))
          else {
            const p = proxies.get(key)
            proxies.delete(key)
            if (p) await proxy(conn, BusName.log, p, logProxyInterface).Remove()
          }
        },
      },
      properties: { config_name: { get: () => config } },
    })
    host.emitSignal(ObjectPath.sessions, managerDecl, 'SessionManagerEvent', [
      path,
      SessionManagerEventType.SESS_CREATED,
      users.test.uid,
    ])
  }
  const destroySession = (path: string) =>
    host.emitSignal(ObjectPath.sessions, managerDecl, 'SessionManagerEvent', [
      path,
      SessionManagerEventType.SESS_DESTROYED,
      users.test.uid,
    ])

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovpn3-clilog-'))
    chmodSync(dir, 0o777)
    bus = await startBus()
    service = await startProcess({
      entry: 'packages/log/src/main.ts',
      args: ['--log-file', join(dir, 'log'), '--log-level', '4', '--state-dir', dir],
      bus,
      uid: users.openvpn.uid,
      waitForName: BusName.log,
      name: 'log service',
    })
    conn = await DBusConnection.connect({ address: bus.address })
    host = new ServiceHost(conn)
    host.export(ObjectPath.sessions, managerDecl, {
      methods: {
        LookupConfigName: ({ config_name }) =>
          [...sessions].filter(([, c]) => c === config_name).map(([p]) => p),
        LookupInterface: () => '/',
      },
      properties: {},
    })
    await requestName(conn, BusName.sessions)
  })

  after(async () => {
    for (const b of backends) await b.stop()
    host?.close()
    await conn?.close()
    await service?.stop()
    await bus?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  void test('openvpn3 log --config waits for the session, follows it, ends with it', async () => {
    const cli = await startProcess({
      entry: OPENVPN3,
      args: ['log', '--config', 'lab', '--log-level', '6'],
      bus,
      uid: users.test.uid,
      waitForLine: /Waiting for a session/,
      name: 'openvpn3 log',
    })
    try {
      const be = await startBackend(S1, 'tokenone')
      addSession(S1, 'lab')
      await cli.waitForLine(/Following the log of/, 15_000)
      send(be, { op: 'log', category: LogCategory.INFO, text: 'Connecting to lab server' })
      send(be, { op: 'log', category: LogCategory.DEBUG, text: 'debug detail' })
      send(be, { op: 'status', major: 2, minor: 7, text: 'connected' })
      await until('three lines', () => /\[STATUS\]/.test(cli.stdout()))
      const out = cli.stdout()
      assert.match(out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d Connecting to lab server$/m)
      assert.match(out, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d DEBUG: debug detail$/m)
      assert.match(out, /\[STATUS\] Connection, Client connected: connected$/m)
      destroySession(S1)
      const { code } = await cli.waitForExit(15_000)
      assert.equal(code, 0)
      assert.match(cli.stdout(), /Session closed/)
      // forwarding turned on, then off again by the CLI
      const mine = forwardCalls.filter(([, p]) => p === S1).map(([, , e]) => e)
      assert.deepEqual(mine, [true, false])
      assert.equal(proxies.size, 0)
    } finally {
      await cli.stop()
    }
  })

  void test('openvpn3 log --session-path filters by --log-level (default 4)', async () => {
    const be = await startBackend(S2, 'tokentwo')
    addSession(S2, 'other')
    const cli = await startProcess({
      entry: OPENVPN3,
      args: ['log', '--session-path', S2],
      bus,
      uid: users.test.uid,
      waitForLine: /Following the log of/,
      name: 'openvpn3 log 2',
    })
    try {
      send(be, { op: 'log', category: LogCategory.DEBUG, text: 'hidden debug' })
      send(be, { op: 'log', category: LogCategory.VERB1, text: 'shown verb1' })
      send(be, { op: 'log', category: LogCategory.WARN, text: 'shown warning' })
      await until('warning', () => /shown warning/.test(cli.stdout()))
      assert.match(cli.stdout(), /VERB1: shown verb1/)
      assert.doesNotMatch(cli.stdout(), /hidden debug/)
      const code = await cli.stop('SIGINT')
      assert.equal(code, 0)
    } finally {
      await cli.stop()
    }
    const bad = await startProcess({
      entry: OPENVPN3,
      args: ['log', '--session-path', S2, '--log-level', '9'],
      bus,
      uid: users.test.uid,
    })
    assert.equal((await bad.waitForExit(15_000)).code, 2)
  })

  void test('openvpn3-admin log-service: show, set over D-Bus, list, edit the file', async () => {
    const admin = async (...args: string[]) => {
      const p = await startProcess({ entry: ADMIN, args: ['log-service', ...args], bus })
      const { code } = await p.waitForExit(20_000)
      return { code, out: p.stdout(), err: p.stderr() }
    }
    let r = await admin()
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /Log method: logfile/)
    assert.match(r.out, /Log level: 4/)
    r = await admin('--log-level', '5', '--timestamp', 'true')
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /Log level: 5/)
    assert.match(r.out, /Timestamps: enabled/)
    const saved = JSON.parse(readFileSync(join(dir, 'log-service.json'), 'utf8')) as Record<
      string,
      unknown
    >
    assert.equal(saved['log_level'], 5)
    r = await admin('--log-dbus-details', 'true')
    assert.match(r.out, /D-Bus details logging: enabled/)
    r = await admin('--list-subscriptions')
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /net\.openvpn\.v3\.backends/)
    r = await admin('--config-set', 'idle_exit=5')
    assert.equal(r.code, 0, r.err)
    r = await admin('--config-show')
    assert.match(r.out, /idle_exit: 5/)
    r = await admin('--config-unset', 'idle_exit')
    assert.equal(r.code, 0, r.err)
    r = await admin('--config-set', 'bogus=1')
    assert.equal(r.code, 2)
    r = await admin('--log-level', '9')
    assert.equal(r.code, 2)
    assert.doesNotMatch(readFileSync(join(dir, 'log-service.json'), 'utf8'), /idle_exit/)
  })
})
