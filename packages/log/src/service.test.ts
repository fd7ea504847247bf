/**
 * The log service end to end on a private system-like bus with the project's policy files
 * (spec §8, §1.5, §9.1): the service runs as the openvpn user with a log file; stand-in
 * backends (standin-backend.ts, openvpn user, the real logging layer) emit Log (uuss) and
 * StatusChange; the test acts as the session manager (owns net.openvpn.v3.sessions) and
 * asks for log proxies; stand-in front-ends (standin-frontend.ts) run as two other users.
 *
 * Checks: a front-end gets exactly its session's Log and StatusChange lines through its
 * proxy, in order, from the session path, unicast; another user's front-end gets none of
 * them; proxy access control; subscriber list; property writes saved to log-service.json;
 * secrets (user-input password, CRV1 response, auth-token) appear in no output at all.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BusName,
  DBusCallError,
  DBusConnection,
  InterfaceName,
  LogCategory,
  LogGroup,
  ObjectPath,
  logProxyInterface,
  logServiceInterface,
  proxy,
  requestName,
  userInputMethods,
} from '@openvpn3-ts/dbus'
import { pollUntil, startBus, startProcess, testUsers } from '@openvpn3-ts/testkit'
import type { TestBus, TestProcess } from '@openvpn3-ts/testkit'

/** pollUntil for a condition (pollUntil stops at any defined value, `false` included). */
const until = (what: string, cond: () => boolean, opts: { timeoutMs: number }) =>
  pollUntil(what, () => (cond() ? true : undefined), opts)

const SERVICE = 'packages/log/src/main.ts'
const BACKEND = 'packages/log/src/testing/standin-backend.ts'
const FRONTEND = 'packages/log/src/testing/standin-frontend.ts'
const S1 = '/net/openvpn/v3/sessions/0f5c1e2as7b2es4c1ds9e8fs0a1b2c3d4e5f'
const S2 = '/net/openvpn/v3/sessions/1a2b3c4ds5e6fs4a7bs8c9ds0e1f2a3b4c5d'
const T1 = '3a4b5c6dt1a2bt4c5dt8e9ft0a1b2c3d4e5f'
const T2 = '9a8b7c6dt5e4ft4a3bt2c1dt0f9e8d7c6b5a'

interface Received {
  member: string
  path: string
  sender: string
  destination: string
  body: unknown[]
}

function received(p: TestProcess): Received[] {
  return p
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Received)
}

function send(p: TestProcess, cmd: Record<string, unknown>): void {
  p.child.stdin?.write(JSON.stringify(cmd) + '\n')
}

async function waitDone(p: TestProcess, n: number, ms = 10_000): Promise<void> {
  await until(`${n} DONE lines`, () => (p.stdout().match(/^DONE /gm) ?? []).length >= n, {
    timeoutMs: ms,
  })
}

void describe('openvpn3-service-log on a private bus', { timeout: 120_000 }, () => {
  const users = testUsers()
  let bus: TestBus
  let dir: string
  let service: TestProcess
  let conn: DBusConnection
  let be1: TestProcess
  let be2: TestProcess
  let feA: TestProcess
  let feB: TestProcess
  let feAny: TestProcess
  let nameA: string
  let nameB: string
  const logFile = () => join(dir, 'service.log')

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovpn3-logsvc-'))
    chmodSync(dir, 0o777)
    bus = await startBus()
    service = await startProcess({
      entry: SERVICE,
      args: ['--log-file', logFile(), '--log-level', '6', '--state-dir', dir, '--timestamp'],
      bus,
      uid: users.openvpn.uid,
      waitForName: BusName.log,
      name: 'log service',
    })
    conn = await DBusConnection.connect({ address: bus.address })
    await requestName(conn, BusName.sessions) // the test plays the session manager
    be1 = await startProcess({
      entry: BACKEND,
      args: [S1, T1],
      bus,
      uid: users.openvpn.uid,
      stdin: 'pipe',
      waitForLine: /READY/,
      name: 'backend 1',
    })
    be2 = await startProcess({
      entry: BACKEND,
      args: [S2, T2],
      bus,
      uid: users.openvpn.uid,
      stdin: 'pipe',
      waitForLine: /READY/,
      name: 'backend 2',
    })
    feA = await startProcess({
      entry: FRONTEND,
      args: [S1],
      bus,
      uid: users.test.uid,
      waitForLine: /READY/,
      name: 'front-end A',
    })
    feB = await startProcess({
      entry: FRONTEND,
      args: [S2],
      bus,
      uid: users.nobody.uid,
      waitForLine: /READY/,
      name: 'front-end B',
    })
    feAny = await startProcess({
      entry: FRONTEND,
      args: [S1, '--any'],
      bus,
      uid: users.nobody.uid,
      waitForLine: /READY/,
      name: 'front-end B (any)',
    })
    nameA = (await feA.waitForLine(/READY (\S+)/))[1] ?? ''
    nameB = (await feB.waitForLine(/READY (\S+)/))[1] ?? ''
  })

  after(async () => {
    for (const p of [feAny, feB, feA, be2, be1]) await p?.stop()
    await conn?.close()
    await service?.stop()
    await bus?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  void test('every backend attached; subscriber list for root', async () => {
    const log = proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
    assert.ok((await log.$get('num_attached')) >= 2)
    const subs = await log.GetSubscriberList()
    const ifaces = subs.map((s) => s[2])
    assert.ok(ifaces.filter((i) => i === InterfaceName.backends).length >= 2)
    for (const s of subs) assert.match(s[0], /^\d+$/)
    assert.equal(await log.$get('log_method'), 'logfile')
    assert.equal(await log.$get('config_file'), join(dir, 'log-service.json'))
  })

  void test("a front-end receives exactly its session's Log and StatusChange lines", async () => {
    const log = proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
    const pathA = await log.ProxyLogEvents(nameA, S1)
    const pathB = await log.ProxyLogEvents(nameB, S2)
    assert.match(pathA, /^\/net\/openvpn\/v3\/log\/proxy\/[0-9a-f]{8}l/)
    await assert.rejects(
      log.ProxyLogEvents(nameA, '/net/openvpn/v3/sessions/nope'),
      (e: unknown) => e instanceof DBusCallError && e.text === 'No session available'
    )
    const px = proxy(conn, BusName.log, pathA, logProxyInterface)
    assert.equal(await px.$get('session_path'), S1)
    assert.equal(await px.$get('target'), nameA)
    assert.equal(await px.$get('log_level'), 6)

    send(be1, { op: 'log', category: LogCategory.INFO, text: 'session one: connecting' })
    send(be2, { op: 'log', category: LogCategory.INFO, text: 'session two: connecting' })
    send(be1, { op: 'status', major: 2, minor: 6, text: 'connecting' })
    send(be1, { op: 'log', category: LogCategory.DEBUG, text: 'session one: debug detail' })
    send(be2, { op: 'status', major: 2, minor: 7, text: 'two connected' })
    send(be1, { op: 'status', major: 2, minor: 7, text: 'connected' })
    await waitDone(be1, 4)
    await waitDone(be2, 2)
    await until('A got 4 signals', () => received(feA).length >= 4, { timeoutMs: 10_000 })
    await until('B got 2 signals', () => received(feB).length >= 2, { timeoutMs: 10_000 })
    await new Promise((r) => setTimeout(r, 300)) // nothing more may arrive

    const a = received(feA)
    assert.deepEqual(
      a.map((r) => [r.member, r.body]),
      [
        ['Log', [LogGroup.CLIENT, LogCategory.INFO, 'session one: connecting']],
        ['StatusChange', [2, 6, 'connecting']],
        ['Log', [LogGroup.CLIENT, LogCategory.DEBUG, 'session one: debug detail']],
        ['StatusChange', [2, 7, 'connected']],
      ]
    )
    for (const r of a) {
      assert.equal(r.path, S1, 'forwarded from the session path')
      assert.equal(r.destination, nameA, 'unicast to the front-end')
    }
    // B (another user) follows S2 through its own proxy: only S2's lines
    const b = received(feB)
    assert.deepEqual(
      b.map((r) => [r.member, r.path, r.body[2]]),
      [
        ['Log', S2, 'session two: connecting'],
        ['StatusChange', S2, 'two connected'],
      ]
    )
    assert.ok(pathB !== pathA)
    assert.equal(received(feAny).length, 0, 'nothing leaks to a catch-all subscriber')

    // proxy log level filters Log, not StatusChange
    await px.$set('log_level', 3)
    send(be1, { op: 'log', category: LogCategory.VERB1, text: 'filtered out' })
    send(be1, { op: 'log', category: LogCategory.WARN, text: 'passes' })
    send(be1, { op: 'status', major: 2, minor: 8, text: 'disconnecting' })
    await waitDone(be1, 7)
    await until('A got 6', () => received(feA).length >= 6, { timeoutMs: 10_000 })
    await new Promise((r) => setTimeout(r, 200))
    assert.deepEqual(
      received(feA)
        .slice(4)
        .map((r) => r.body[2]),
      ['passes', 'disconnecting']
    )

    // the log file has both sessions, tagged with tokens
    const text = readFileSync(logFile(), 'utf8')
    assert.match(text, /Client INFO: session one: connecting \{session:3a4b5c6d/)
    assert.match(text, /Client INFO: session two: connecting \{session:9a8b7c6d/)
    assert.match(text, /\{tag:\d+\}/)
    await px.Remove()
    await assert.rejects(px.$get('target'))
  })

  void test('in-service checks: Attach twice, Detach, AssignSession, ProxyLogEvents', async () => {
    const other = await DBusConnection.connect({ address: bus.address })
    try {
      const log = proxy(other, BusName.log, ObjectPath.log, logServiceInterface)
      const text = (t: string) => (e: unknown) => e instanceof DBusCallError && e.text === t
      await log.Attach(InterfaceName.netcfg)
      await assert.rejects(log.Attach(InterfaceName.netcfg), text('Already attached'))
      // attached by the backends, not by this connection
      await assert.rejects(log.Detach(InterfaceName.backends), text('Access denied'))
      await assert.rejects(log.Detach('net.openvpn.v3.nothing'), text('Not attached'))
      // not a backend (owns no net.openvpn.v3.backends.be<PID>)
      await assert.rejects(log.AssignSession(S1, InterfaceName.netcfg), text('Access denied'))
      // not the session manager
      await assert.rejects(log.ProxyLogEvents(other.uniqueName, S1), text('Access denied'))
      await log.Detach(InterfaceName.netcfg)
    } finally {
      await other.close()
    }
  })

  void test('properties: level checked, writes saved to log-service.json', async () => {
    const log = proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
    await assert.rejects(log.$set('log_level', 7), /Invalid log level/)
    await log.$set('log_level', 5)
    await log.$set('timestamp', false)
    await log.$set('log_prefix_logtag', false)
    const saved = JSON.parse(readFileSync(join(dir, 'log-service.json'), 'utf8')) as Record<
      string,
      unknown
    >
    assert.equal(saved['log_level'], 5)
    assert.equal(saved['timestamp'], false)
    assert.equal(saved['no_logtag_prefix'], true)
    await log.$set('log_level', 6)
    await log.$set('log_prefix_logtag', true)
  })

  void test('a user-input password, a CRV1 response and an auth-token appear in no log output', async () => {
    const log = proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
    await log.ProxyLogEvents(nameA, S1)
    const before = received(feA).length
    const password = 'Pa55-w0rd!typed-by-user'
    const crv1Response = '867530942'
    const crv1State = 'Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l'
    const authToken = 'SESS_ID_AT_ZmFrZXRva2VudmFsdWUxMjM0NQ'
    // the password arrives the way a front-end sends it: UserInputProvide on the backend
    const be1Name = `${BusName.backends}.be${be1.pid}`
    const input = proxy(conn, be1Name, ObjectPath.backendSession, {
      name: InterfaceName.backends,
      methods: { UserInputProvide: userInputMethods.UserInputProvide },
      signals: {},
      properties: {},
    } as const)
    await input.UserInputProvide(1, 1, 0, password)
    send(be1, {
      op: 'log',
      category: LogCategory.INFO,
      text: `Sending CRV1::${crv1State}::${crv1Response}`,
    })
    send(be1, {
      op: 'log',
      category: LogCategory.DEBUG,
      text: `PUSH: Received control message: 'PUSH_REPLY,route-gateway 198.18.1.1,auth-token ${authToken},ping 10'`,
    })
    send(be1, { op: 'secret', value: authToken })
    send(be1, { op: 'log', category: LogCategory.INFO, text: `reusing ${authToken} on reconnect` })
    await waitDone(be1, 11)
    await until('A got the 5 lines', () => received(feA).length >= before + 5, {
      timeoutMs: 10_000,
    })
    await new Promise((r) => setTimeout(r, 300))
    const outputs = {
      'log file': readFileSync(logFile(), 'utf8'),
      'log service output': service.output(),
      'backend output': be1.output(),
      'front-end A': feA.output(),
      'front-end B': feB.output() + feAny.output(),
    }
    // the lines did arrive (so the check below is meaningful)
    assert.match(outputs['front-end A'], /Credentials received: \[redacted\]/)
    assert.match(outputs['log file'], /CRV1::\[redacted\]/)
    assert.match(outputs['log file'], /auth-token \[redacted\]/)
    assert.match(outputs['backend output'], /^<5>openvpn3-service-client Client INFO: /m)
    for (const [where, text] of Object.entries(outputs)) {
      for (const secret of [password, crv1Response, crv1State, authToken]) {
        assert.ok(!text.includes(secret), `${secret} found in ${where}`)
      }
    }
  })
})
