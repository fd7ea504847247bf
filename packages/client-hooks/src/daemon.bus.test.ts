/**
 * openvpn3-hooks against a real private bus and a stand-in session manager
 * (fixtures/fake-sessions.ts): existing sessions, SESS_CREATED/SESS_DESTROYED broadcasts,
 * live StatusChange through the LogForward path, status polling when LogForward is refused;
 * asserts every hook run with its exact environment, once per event, in order.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StatusMajor as M, StatusMinor as m, BusName } from '@openvpn3-ts/dbus'
import { delay, pollUntil, startBus, startProcess, testUsers } from '@openvpn3-ts/testkit'
import type { TestBus, TestProcess } from '@openvpn3-ts/testkit'

const SESS = '/net/openvpn/v3/sessions'
const POLICY = `<policy user="root"><allow own="${BusName.sessions}"/><allow own="${BusName.log}"/></policy>`

type Rec = Record<string, string>

function records(file: string): Rec[] {
  if (!existsSync(file)) return []
  return (
    readFileSync(file, 'utf8')
      .split('BEGIN ')
      // complete runs only (a hook may be half-way through writing)
      .filter((b) => b.trimEnd().endsWith('\nEND'))
      .map((block) => {
        const lines = block.trimEnd().split('\n')
        const rec: Rec = { HOOK: lines[0] ?? '' }
        for (const l of lines.slice(1)) {
          if (l === 'END') continue
          const i = l.indexOf('=')
          rec[l.slice(0, i)] = l.slice(i + 1)
        }
        return rec
      })
  )
}

void describe(
  'openvpn3-hooks on a private bus with a stand-in session manager',
  { skip: process.getuid?.() !== 0 && 'needs root (the stand-in owns system names)' },
  () => {
    let bus: TestBus
    let fake: TestProcess
    let daemon: TestProcess | undefined
    let dir: string
    let log: string
    let sent = 0

    const send = async (cmd: object) => {
      sent += 1
      fake.child.stdin?.write(`${JSON.stringify(cmd)}\n`)
      await fake.waitForLine(new RegExp(`^ok ${sent}$`, 'm'), 5000)
    }
    const status = (id: string, major: number, minor: number, message = '') =>
      send({ cmd: 'status', id, major, minor, message })
    const waitRecords = (n: number) =>
      pollUntil(`${n} hook runs`, () => (records(log).length >= n ? true : undefined), {
        timeoutMs: 8000,
        intervalMs: 50,
        describe: () => `${records(log).length} runs; daemon output:\n${daemon?.output() ?? ''}`,
      })

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ovpn3-hooks-bus-'))
      chmodSync(dir, 0o755)
      log = join(dir, 'runs.log')
      const hook = `#!/bin/sh\n{ echo "BEGIN $0"; env | grep -v '^PWD=' | sort; echo END; } >> ${log}\n`
      for (const [sub, names] of [
        ['connect.d', ['10-record', '20-record']],
        ['disconnect.d', ['10-record']],
      ] as const) {
        mkdirSync(join(dir, sub), { mode: 0o755 })
        for (const n of names) {
          writeFileSync(join(dir, sub, n), hook)
          chmodSync(join(dir, sub, n), 0o755)
        }
      }
      bus = await startBus({ extraPolicy: POLICY })
      fake = await startProcess({
        entry: 'packages/client-hooks/src/fixtures/fake-sessions.ts',
        bus,
        stdin: 'pipe',
        waitForName: BusName.sessions,
      })
    })

    after(async () => {
      await daemon?.stop()
      await fake?.stop()
      await bus?.stop()
      rmSync(dir, { recursive: true, force: true })
    })

    void test('connect/disconnect hooks: existing session, live forward, polling, exact env, once each', async () => {
      // a session that is already connected when the daemon starts
      await send({
        cmd: 'create',
        id: 'pre',
        owner: 0,
        configName: 'pre\u0007-profile',
        device: 'tun7',
        connectedTo: ['udp', '192.0.2.1', 1194],
        status: [M.CONNECTION, m.CONN_CONNECTED, ''],
        announce: false,
      })
      daemon = await startProcess({
        entry: 'packages/client-hooks/src/main.ts',
        args: [
          '--hooks-dir',
          dir,
          '--poll-interval',
          '200',
          '--stats-interval',
          '500',
          '--verbose',
        ],
        bus,
        waitForLine: /openvpn3-hooks info: ready/,
      })
      await waitRecords(2)
      const [pre1, pre2] = records(log)
      assert.equal(pre1?.['HOOK'], join(dir, 'connect.d', '10-record'))
      assert.equal(pre2?.['HOOK'], join(dir, 'connect.d', '20-record'))
      assert.equal(pre1?.['OPENVPN3_CONFIG_NAME'], 'pre-profile', 'control character removed')
      assert.equal(pre1?.['OPENVPN3_SESSION_PATH'], `${SESS}/pre`)

      // a new session, owned by us: live StatusChange via LogForward
      await send({
        cmd: 'create',
        id: 's2',
        owner: 0,
        configName: 'corp',
        device: 'tun9',
        connectedTo: ['tcp', '192.0.2.7', 443],
      })
      await daemon.waitForLine(/following \/net\/openvpn\/v3\/sessions\/s2 \(forward\)/, 5000)
      await status('s2', M.CONNECTION, m.CONN_CONNECTING)
      const before = Date.now()
      await status('s2', M.CONNECTION, m.CONN_CONNECTED)
      await waitRecords(4)
      const c2 = records(log)[2]
      const t = Number(c2?.['OPENVPN3_CONNECTED_AT'])
      assert.ok(Math.abs(t - Math.floor(before / 1000)) <= 2)
      assert.deepEqual(c2, {
        HOOK: join(dir, 'connect.d', '10-record'),
        HOME: '/root',
        LANG: 'C',
        LOGNAME: 'root',
        USER: 'root',
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
        OPENVPN3_EVENT: 'connect',
        OPENVPN3_SESSION_PATH: `${SESS}/s2`,
        OPENVPN3_CONFIG_NAME: 'corp',
        OPENVPN3_SESSION_NAME: '',
        OPENVPN3_DEVICE: 'tun9',
        OPENVPN3_PROTO: 'tcp',
        OPENVPN3_SERVER_IP: '192.0.2.7',
        OPENVPN3_SERVER_PORT: '443',
        OPENVPN3_SESSION_OWNER: '0',
        OPENVPN3_SESSION_CREATED: '1700000000',
        OPENVPN3_CONNECTED_AT: String(t),
      })
      // pause / resume / reconnect: no hooks
      await send({ cmd: 'stats', id: 's2', bytesIn: 123456, bytesOut: 654321 })
      for (const minor of [
        m.CONN_PAUSING,
        m.CONN_PAUSED,
        m.CONN_RESUMING,
        m.CONN_CONNECTED,
        m.CONN_RECONNECTING,
        m.CONN_CONNECTED,
      ]) {
        await status('s2', M.CONNECTION, minor)
      }
      await status('s2', M.CONNECTION, m.CONN_DISCONNECTED, 'bye\u001b[0m')
      await waitRecords(5)
      await send({ cmd: 'destroy', id: 's2' })
      const d2 = records(log)[4]
      assert.equal(d2?.['HOOK'], join(dir, 'disconnect.d', '10-record'))
      assert.equal(d2?.['OPENVPN3_EVENT'], 'disconnect')
      assert.equal(d2?.['OPENVPN3_REASON'], 'CONN_DISCONNECTED')
      assert.equal(d2?.['OPENVPN3_REASON_MESSAGE'], 'bye[0m')
      assert.equal(d2?.['OPENVPN3_BYTES_IN'], '123456')
      assert.equal(d2?.['OPENVPN3_BYTES_OUT'], '654321')
      assert.equal(d2?.['OPENVPN3_PACKETS_IN'], '7')
      assert.equal(d2?.['OPENVPN3_CONNECTED_AT'], String(t))
      assert.match(d2?.['OPENVPN3_DURATION'] ?? '', /^[0-9]+$/)
      assert.equal(d2?.['OPENVPN3_DEVICE'], 'tun9')

      // someone else's session with restricted log access: LogForward refused → polling
      await send({
        cmd: 'create',
        id: 's3',
        owner: 4242,
        configName: 'other',
        device: 'tun3',
        connectedTo: ['udp', '192.0.2.9', 1195],
      })
      await daemon.waitForLine(/following \/net\/openvpn\/v3\/sessions\/s3 \(poll\)/, 5000)
      await status('s3', M.CONNECTION, m.CONN_CONNECTED)
      await waitRecords(7)
      assert.equal(records(log)[5]?.['OPENVPN3_SESSION_OWNER'], '4242')
      assert.equal(records(log)[5]?.['OPENVPN3_SERVER_PORT'], '1195')
      await send({ cmd: 'stats', id: 's3', bytesIn: 5, bytesOut: 6 })
      await delay(1200) // > stats interval: the daemon refreshes its copy
      await send({ cmd: 'destroy', id: 's3' })
      await waitRecords(8)
      const d3 = records(log)[7]
      assert.equal(d3?.['OPENVPN3_REASON'], 'SESS_DESTROYED')
      assert.equal(d3?.['OPENVPN3_BYTES_IN'], '5')
      assert.equal(d3?.['OPENVPN3_BYTES_OUT'], '6')
      assert.equal(d3?.['OPENVPN3_SESSION_PATH'], `${SESS}/s3`)

      // the pre-existing session goes away while connected
      await send({ cmd: 'destroy', id: 'pre' })
      await waitRecords(9)
      const d1 = records(log)[8]
      assert.equal(d1?.['OPENVPN3_SESSION_PATH'], `${SESS}/pre`)
      assert.equal(d1?.['OPENVPN3_REASON'], 'SESS_DESTROYED')
      assert.equal(d1?.['OPENVPN3_BYTES_IN'], '0')

      // nothing more: exactly one disconnect per connect
      await delay(700)
      assert.deepEqual(
        records(log).map(
          (r) => `${r['OPENVPN3_EVENT']} ${r['OPENVPN3_SESSION_PATH']?.slice(SESS.length + 1)}`
        ),
        [
          'connect pre',
          'connect pre',
          'connect s2',
          'connect s2',
          'disconnect s2',
          'connect s3',
          'connect s3',
          'disconnect s3',
          'disconnect pre',
        ]
      )
      assert.equal(await daemon.stop(), 0)
    })
    void test('per-user daemon: XDG hook dir, only its own sessions, hooks run as the user, foreign hook refused', async (t) => {
      const users = testUsers()
      if (process.getuid?.() !== 0 || !users.complete) {
        t.skip('needs root and the ovpn3-test account (scripts/setup.sh)')
        return
      }
      const user = users.test
      const xdg = join(dir, 'xdg')
      const hooks = join(xdg, 'openvpn3', 'hooks')
      const ulog = join(xdg, 'runs.log')
      for (const d of [
        xdg,
        join(xdg, 'openvpn3'),
        hooks,
        join(hooks, 'connect.d'),
        join(hooks, 'disconnect.d'),
      ]) {
        mkdirSync(d, { mode: 0o755 })
        chownSync(d, user.uid, user.gid)
      }
      const hook = `#!/bin/sh\n{ echo "BEGIN $0"; echo "UID_IS=$(id -u)"; env | grep -v '^PWD=' | sort; echo END; } >> ${ulog}\n`
      for (const [sub, name, owner] of [
        ['connect.d', '10-record', user.uid],
        ['connect.d', '20-foreign', 65534],
        ['disconnect.d', '10-record', user.uid],
      ] as const) {
        const p = join(hooks, sub, name)
        writeFileSync(p, hook)
        chmodSync(p, 0o755)
        chownSync(p, owner, owner)
      }
      const udaemon = await startProcess({
        entry: 'packages/client-hooks/src/main.ts',
        args: ['--poll-interval', '200', '--verbose'],
        env: { ...process.env, XDG_CONFIG_HOME: xdg },
        uid: user.uid,
        bus,
        waitForLine: /openvpn3-hooks info: ready/,
      })
      try {
        await send({ cmd: 'create', id: 'u1', owner: user.uid, configName: 'mine', device: 'tun4' })
        await send({ cmd: 'create', id: 'r1', owner: 0, configName: 'roots', device: 'tun5' })
        await udaemon.waitForLine(/following \/net\/openvpn\/v3\/sessions\/u1 \(forward\)/, 5000)
        await udaemon.waitForLine(/ignoring \/net\/openvpn\/v3\/sessions\/r1: not visible/, 5000)
        await status('r1', M.CONNECTION, m.CONN_CONNECTED)
        await status('u1', M.CONNECTION, m.CONN_CONNECTED)
        const ready = () => records(ulog).length
        await pollUntil('user connect hook', () => (ready() >= 1 ? true : undefined), {
          timeoutMs: 8000,
          describe: () => udaemon.output(),
        })
        await udaemon.waitForLine(/refused hook \S+20-foreign: file owned by uid 65534/, 5000)
        await send({ cmd: 'destroy', id: 'r1' })
        await send({ cmd: 'destroy', id: 'u1' })
        await pollUntil('user disconnect hook', () => (ready() >= 2 ? true : undefined), {
          timeoutMs: 8000,
          describe: () => udaemon.output(),
        })
        await delay(500)
        const recs = records(ulog)
        assert.deepEqual(
          recs.map((r) => [
            r['HOOK'],
            r['UID_IS'],
            r['USER'],
            r['OPENVPN3_EVENT'],
            r['OPENVPN3_CONFIG_NAME'],
            r['OPENVPN3_REASON'],
          ]),
          [
            [
              join(hooks, 'connect.d', '10-record'),
              String(user.uid),
              user.name,
              'connect',
              'mine',
              undefined,
            ],
            [
              join(hooks, 'disconnect.d', '10-record'),
              String(user.uid),
              user.name,
              'disconnect',
              'mine',
              'SESS_DESTROYED',
            ],
          ]
        )
        assert.equal(await udaemon.stop(), 0)
      } finally {
        await udaemon.stop()
      }
    })
  }
)
