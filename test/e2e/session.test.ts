/**
 * End to end in the namespace lab with real OpenVPN 2.6 servers, every step through the bus
 * as a user would, with the real `openvpn3` CLI (issue 6; spec dbus-api.md §4, §10.1, §13.1):
 * import, session-start, CONNECTED, ping through our TUN, session-stats growing,
 * pause/resume, restart, disconnect and nothing left behind; user/password from stdin and a
 * wrong password; static challenge from an auth file; a second UID kept out until AccessGrant
 * and public_access; SIGKILL of a backend; three sessions at once; a session manager restart
 * that leaves the tunnel running.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, afterEach, before, describe, test } from 'node:test'
import {
  BusName,
  DBusConnection,
  ObjectPath,
  SessionManagerEventType,
  StatusMajor,
  StatusMinor,
  proxy,
  sessionManagerInterface,
  sessionObjectInterface,
} from '@openvpn3-ts/dbus'
import { isAlive, pollUntil, startProcess, testUsers } from '@openvpn3-ts/testkit'
import { OPENVPN3, type Stack, sessionPathOf, startStack } from './stack.js'

const canRun = process.getuid?.() === 0
const C = StatusMajor.CONNECTION

void describe('openvpn3 sessions end to end', { skip: !canRun && 'needs root' }, () => {
  let st: Stack
  let conn: DBusConnection
  const events: [string, number][] = []

  before(async () => {
    st = await startStack({
      servers: [
        { kind: 'cert' },
        { kind: 'userpass' },
        { kind: 'static-challenge' },
        { kind: 'cert' },
        { kind: 'cert' },
      ],
    })
    conn = await DBusConnection.connect({ address: st.bus.address, callTimeoutMs: 15_000 })
    const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    await mgr.$on('SessionManagerEvent', (path, type) => events.push([path, type]), {
      anySender: true,
    })
    // import every lab profile through the CLI
    for (const [i, name] of ['e2e-cert', 'e2e-up', 'e2e-sc', 'e2e-cert2', 'e2e-cert3'].entries()) {
      const server = st.lab.servers[i]
      assert.ok(server)
      const file = join(st.dir, `${name}.ovpn`)
      await writeFile(file, server.profile)
      const r = await st.cli(['config-import', '--config', file, '--name', name, '--persistent'])
      assert.equal(r.code, 0, r.stderr)
    }
  })

  // a failed test must not leave its sessions to the next one
  afterEach(async () => {
    const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    for (const p of await mgr.FetchAvailableSessions().catch(() => [])) {
      await session(p)
        .Disconnect()
        .catch(() => undefined)
    }
  })

  after(async () => {
    await conn?.close().catch(() => undefined)
    await st?.close()
  })

  const session = (path: string) => proxy(conn, BusName.sessions, path, sessionObjectInterface)

  async function waitStatus(path: string, minor: number, ms = 20_000): Promise<void> {
    await pollUntil(
      `status ${StatusMinor.display(minor) ?? minor}`,
      async () => {
        const [major, m] = await session(path).$get('status')
        return (major === C && m === minor) || undefined
      },
      { timeoutMs: ms, intervalMs: 100 }
    )
  }

  async function ping(ip: string, count = 3): Promise<void> {
    const r = await st.lab.exec(st.lab.clientNs, 'ping', [
      '-c',
      String(count),
      '-i',
      '0.2',
      '-W',
      '2',
      ip,
    ])
    assert.equal(r.code, 0, `ping ${ip}: ${r.stdout}${r.stderr}`)
  }

  async function stats(args: string[]): Promise<Record<string, number>> {
    const r = await st.cli(['session-stats', ...args, '--json'])
    assert.equal(r.code, 0, r.stderr)
    return JSON.parse(r.stdout) as Record<string, number>
  }

  async function start(config: string, input?: string) {
    const r = await st.cli(['session-start', '--config', config], {
      ...(input !== undefined ? { input } : {}),
    })
    return { ...r, path: sessionPathOf(r.stdout) }
  }

  async function nothingLeft(pid: number): Promise<void> {
    await pollUntil('backend exit', () => !isAlive(pid) || undefined, { timeoutMs: 10_000 })
    await pollUntil(
      'no TUN and no tunnel route',
      async () =>
        ((await st.tunDevices()).length === 0 && (await st.tunRoutes()).length === 0) || undefined,
      { timeoutMs: 5000 }
    )
    const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    assert.deepEqual(await mgr.FetchAvailableSessions(), [])
  }

  void test('import, start, ping, stats, pause/resume, restart, disconnect', async (t) => {
    const server = st.lab.servers[0]
    assert.ok(server)
    const s = await start('e2e-cert')
    t.diagnostic(`session-start to connected: ${s.ms.toFixed(0)} ms (CLI process included)`)
    assert.equal(s.code, 0, s.stdout + s.stderr)
    assert.match(s.stdout, /Client connected/)
    assert.match(s.stdout, /Connected to udp:\[192\.0\.2\.1\]:1194/)
    assert.ok(s.path)
    const pid = await session(s.path).$get('backend_pid')
    assert.ok(events.some((e) => e[0] === s.path && e[1] === SessionManagerEventType.SESS_CREATED))

    const list = await st.cli(['sessions-list'])
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, new RegExp(`Path: +${s.path}`))
    assert.match(list.stdout, /Config name: +e2e-cert/)
    assert.match(list.stdout, /Device: +tun\d+/)
    assert.match(list.stdout, /Client connected/)
    const [dev] = await st.tunDevices()
    assert.ok(dev)
    assert.ok((await st.tunRoutes()).some((r) => r.includes(server.tunnelNetwork)))

    await ping(server.tunnelServerIp)
    const s1 = await stats(['--config', 'e2e-cert'])
    assert.ok((s1['BYTES_IN'] ?? 0) > 0 && (s1['TUN_PACKETS_OUT'] ?? 0) >= 3, JSON.stringify(s1))
    await ping(server.tunnelServerIp, 5)
    const s2 = await stats(['--interface', dev])
    assert.ok((s2['TUN_PACKETS_OUT'] ?? 0) >= (s1['TUN_PACKETS_OUT'] ?? 0) + 5, JSON.stringify(s2))
    assert.ok((s2['BYTES_OUT'] ?? 0) > (s1['BYTES_OUT'] ?? 0))

    let r = await st.cli(['session-manage', '--config', 'e2e-cert', '--pause'])
    assert.equal(r.code, 0, r.stderr)
    await waitStatus(s.path, StatusMinor.CONN_PAUSED, 5000)
    r = await st.cli(['session-manage', '--path', s.path, '--resume'])
    assert.equal(r.code, 0, r.stderr)
    await waitStatus(s.path, StatusMinor.CONN_CONNECTED)
    await ping(server.tunnelServerIp, 1)
    r = await st.cli(['session-manage', '--interface', dev, '--restart'])
    assert.equal(r.code, 0, r.stderr)
    await pollUntil(
      'restart seen by the server',
      async () => (await server.clients()).length === 1 || undefined,
      { timeoutMs: 5000 }
    )
    await waitStatus(s.path, StatusMinor.CONN_CONNECTED)
    await ping(server.tunnelServerIp, 1)

    r = await st.cli(['session-manage', '--config', 'e2e-cert', '--disconnect'])
    assert.equal(r.code, 0, r.stderr)
    await nothingLeft(pid)
    assert.ok(
      events.some((e) => e[0] === s.path && e[1] === SessionManagerEventType.SESS_DESTROYED)
    )
    const empty = await st.cli(['sessions-list'])
    assert.match(empty.stdout, /No sessions available/)
  })

  void test('user/password from stdin; a wrong password fails with a clear error', async () => {
    const server = st.lab.servers[1]
    assert.ok(server)
    const ok = await start('e2e-up', `${server.username}\n${server.password}\n`)
    assert.equal(ok.code, 0, ok.stdout + ok.stderr)
    assert.ok(ok.path)
    assert.match(ok.stderr, /Auth User name: /)
    assert.ok(
      !ok.stdout.includes(server.password ?? '') && !ok.stderr.includes(server.password ?? '')
    )
    await ping(server.tunnelServerIp, 1)
    const pid = await session(ok.path).$get('backend_pid')
    const d = await st.cli(['session-manage', '--path', ok.path, '--disconnect'])
    assert.equal(d.code, 0, d.stderr)
    await nothingLeft(pid)

    const bad = await start('e2e-up', `${server.username}\nwrong-password\n`)
    assert.equal(bad.code, 1)
    const errLines = bad.stderr.split('\n').filter((l) => l.startsWith('openvpn3/'))
    assert.deepEqual(
      errLines,
      ['openvpn3/session-start: Authentication failed'],
      bad.stdout + bad.stderr
    )
    assert.match(bad.stdout, /Client authentication failed/)
    await pollUntil(
      'failed session removed',
      async () =>
        (await proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
          .FetchAvailableSessions()
          .then((l) => l.length === 0)) || undefined,
      { timeoutMs: 10_000 }
    )
  })

  void test('user/password typed on a terminal: the password is not echoed', async () => {
    const server = st.lab.servers[1]
    assert.ok(server)
    // `script` gives the CLI a pseudo-terminal; answers are typed once each prompt shows
    const cmd = `node --conditions=source --import tsx ${OPENVPN3} session-start --config e2e-up`
    const p = await startProcess({
      entry: 'script',
      args: ['-q', '-e', '-c', cmd, '/dev/null'],
      bus: st.bus,
      stdin: 'pipe',
      name: 'openvpn3 on a pty',
    })
    try {
      await p.waitForLine(/Auth User name: /, 30_000)
      p.child.stdin?.write(`${server.username}\r`)
      await p.waitForLine(/Auth Password: /, 10_000)
      // type after the prompt, as a person would: the prompt turns echo off right after it
      // prints (typeahead sent before that would be echoed by the terminal)
      await new Promise((r) => setTimeout(r, 300))
      p.child.stdin?.write(`${server.password}\r`)
      await p.waitForLine(/Connected to udp/, 30_000)
      const out = p.output()
      assert.ok(out.includes(server.username ?? '?'), 'the user name is echoed')
      assert.ok(!out.includes(server.password ?? '?'), `the password is not echoed:\n${out}`)
      const path = sessionPathOf(out)
      assert.ok(path)
      const pid = await session(path).$get('backend_pid')
      await st.cli(['session-manage', '--path', path, '--disconnect'])
      await nothingLeft(pid)
    } finally {
      await p.stop()
    }
  })

  void test('static challenge answered from a private auth file', async () => {
    const server = st.lab.servers[2]
    assert.ok(server)
    const file = join(st.dir, 'sc.auth')
    await writeFile(
      file,
      `username=${server.username}\npassword=${server.password}\nstatic_challenge=${server.challengeResponse}\n`,
      { mode: 0o644 }
    )
    const refused = await st.cli(['session-start', '--config', 'e2e-sc', '--auth-file', file])
    assert.equal(refused.code, 1)
    assert.match(refused.stderr, /accessible by group or others/)
    const { chmod } = await import('node:fs/promises')
    await chmod(file, 0o600)
    const r = await st.cli(['session-start', '--config', 'e2e-sc', '--auth-file', file])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    const path = sessionPathOf(r.stdout)
    assert.ok(path)
    await ping(server.tunnelServerIp, 1)
    const pid = await session(path).$get('backend_pid')
    await st.cli(['session-manage', '--path', path, '--disconnect'])
    await nothingLeft(pid)
  })

  void test('a second UID cannot see or steer the session until AccessGrant; public_access', async () => {
    const other = testUsers().test
    const s = await start('e2e-cert2')
    assert.equal(s.code, 0, s.stderr)
    assert.ok(s.path)
    const asOther = (args: string[]) => st.cli(args, { uid: other.uid })

    let r = await asOther(['sessions-list'])
    assert.match(r.stdout, /No sessions available/)
    r = await asOther(['session-manage', '--path', s.path, '--pause'])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Access denied/)
    r = await asOther(['session-stats', '--path', s.path])
    assert.equal(r.code, 1)
    assert.match(r.stderr, /Access denied/)
    r = await asOther(['session-acl', '--path', s.path, '--grant', String(other.uid)])
    assert.equal(r.code, 1)

    r = await st.cli(['session-acl', '--path', s.path, '--grant', String(other.uid), '--show'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stdout, new RegExp(`Users granted access: +\\(${other.uid}\\)`))
    r = await asOther(['sessions-list'])
    assert.match(r.stdout, new RegExp(s.path))
    r = await asOther(['session-stats', '--config', 'e2e-cert2', '--json'])
    assert.equal(r.code, 0, r.stderr)
    r = await asOther(['session-acl', '--path', s.path, '--revoke', String(other.uid)])
    assert.equal(r.code, 1, 'only the owner may revoke')

    r = await st.cli(['session-acl', '--path', s.path, '--revoke', String(other.uid)])
    assert.equal(r.code, 0, r.stderr)
    r = await asOther(['sessions-list'])
    assert.match(r.stdout, /No sessions available/)
    r = await st.cli(['session-acl', '--path', s.path, '--public-access', 'true'])
    assert.equal(r.code, 0, r.stderr)
    r = await asOther(['sessions-list'])
    assert.match(r.stdout, new RegExp(s.path))
    // public access lets others use the methods (not read the properties, spec §4.3)
    r = await asOther(['session-manage', '--path', s.path, '--pause'])
    assert.equal(r.code, 0, r.stderr)
    await waitStatus(s.path, StatusMinor.CONN_PAUSED, 5000)

    const pid = await session(s.path).$get('backend_pid')
    r = await st.cli(['session-manage', '--path', s.path, '--disconnect'])
    assert.equal(r.code, 0, r.stderr)
    await nothingLeft(pid)
  })

  void test('SIGKILL of the backend: SESS_DESTROYED and netcfg cleanup within a second', async (t) => {
    const server = st.lab.servers[4]
    assert.ok(server)
    const s = await start('e2e-cert3')
    assert.equal(s.code, 0, s.stderr)
    assert.ok(s.path)
    await ping(server.tunnelServerIp, 1)
    const pid = await session(s.path).$get('backend_pid')
    const t0 = Date.now()
    process.kill(pid, 'SIGKILL')
    await pollUntil(
      'SESS_DESTROYED',
      () =>
        events.some((e) => e[0] === s.path && e[1] === SessionManagerEventType.SESS_DESTROYED) ||
        undefined,
      { timeoutMs: 1000, intervalMs: 10 }
    )
    const tDestroyed = Date.now() - t0
    await pollUntil(
      'TUN and routes removed',
      async () =>
        ((await st.tunDevices()).length === 0 && (await st.tunRoutes()).length === 0) || undefined,
      { timeoutMs: 5000, intervalMs: 20 }
    )
    t.diagnostic(`SESS_DESTROYED after ${tDestroyed} ms, TUN gone after ${Date.now() - t0} ms`)
    assert.ok(Date.now() - t0 <= 1000)
    await assert.rejects(session(s.path).$get('owner'), /Object does not exist/)
  })

  void test('automatic-restart on-failure: a killed backend is restarted into the same session', async (t) => {
    const server = st.lab.servers[3]
    assert.ok(server)
    const file = join(st.dir, 'e2e-ar.ovpn')
    await writeFile(file, server.profile)
    let r = await st.cli(['config-import', '--config', file, '--name', 'e2e-ar'])
    assert.equal(r.code, 0, r.stderr)
    r = await st.cli(['config-manage', '--config', 'e2e-ar', '--automatic-restart', 'on-failure'])
    assert.equal(r.code, 0, r.stderr)
    const s = await start('e2e-ar')
    assert.equal(s.code, 0, s.stdout + s.stderr)
    assert.ok(s.path)
    const pid = await session(s.path).$get('backend_pid')
    const t0 = Date.now()
    process.kill(pid, 'SIGKILL')
    const newPid = await pollUntil(
      'a new backend',
      async () => {
        const p = await session(s.path ?? '/').$get('backend_pid')
        return p !== pid && p !== 0 ? p : undefined
      },
      { timeoutMs: 15_000, intervalMs: 100 }
    )
    await waitStatus(s.path, StatusMinor.CONN_CONNECTED)
    t.diagnostic(`reconnected by a new backend after ${Date.now() - t0} ms`)
    assert.ok(
      !events.some((e) => e[0] === s.path && e[1] === SessionManagerEventType.SESS_DESTROYED)
    )
    await ping(server.tunnelServerIp, 2)
    r = await st.cli(['session-manage', '--path', s.path, '--disconnect'])
    assert.equal(r.code, 0, r.stderr)
    await nothingLeft(newPid)
  })

  void test('session-start with a profile file, --background, --timeout', async () => {
    const server = st.lab.servers[0]
    assert.ok(server)
    // a file that is no profile name: imported for this session only (single-use)
    const file = join(st.dir, 'one-shot.ovpn')
    await writeFile(file, server.profile)
    const s = await start(file)
    assert.equal(s.code, 0, s.stdout + s.stderr)
    assert.match(s.stdout, /Using configuration profile from file/)
    assert.ok(s.path)
    const cfgs = await st.cli(['configs-list'])
    assert.ok(!cfgs.stdout.includes('one-shot.ovpn'), 'single-use profile removed once used')
    let pid = await session(s.path).$get('backend_pid')
    await st.cli(['session-manage', '--path', s.path, '--disconnect'])
    await nothingLeft(pid)

    const bg = await st.cli(['session-start', '--config', 'e2e-cert', '--background'])
    assert.equal(bg.code, 0, bg.stderr)
    assert.match(bg.stdout, /Session started in the background/)
    const path = sessionPathOf(bg.stdout)
    assert.ok(path)
    await waitStatus(path, StatusMinor.CONN_CONNECTED)
    pid = await session(path).$get('backend_pid')
    await st.cli(['session-manage', '--path', path, '--disconnect'])
    await nothingLeft(pid)

    // nothing answers on this port: the CLI gives up, says so in one line, removes the session
    const dead = join(st.dir, 'dead.ovpn')
    await writeFile(dead, server.profile.replace(/^remote .*$/m, 'remote 192.0.2.1 1999 udp'))
    const t = await st.cli(['session-start', '--config', dead, '--timeout', '3'])
    assert.equal(t.code, 1, t.stdout + t.stderr)
    assert.match(t.stderr, /^openvpn3\/session-start: Timeout: not connected within 3 seconds/m)
    await pollUntil(
      'timed-out session removed',
      async () =>
        (await proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
          .FetchAvailableSessions()
          .then((l) => l.length === 0)) || undefined,
      { timeoutMs: 10_000 }
    )
  })

  void test('three sessions at once, each with its own TUN, all passing traffic', async () => {
    const names = ['e2e-cert', 'e2e-cert2', 'e2e-cert3'] as const
    const servers = [0, 3, 4].map((i) => st.lab.servers[i])
    const started = await Promise.all(names.map((n) => start(n)))
    for (const s of started) assert.equal(s.code, 0, s.stdout + s.stderr)
    const devs = await st.tunDevices()
    assert.equal(new Set(devs).size, 3, devs.join(','))
    await Promise.all(servers.map((sv) => ping(sv?.tunnelServerIp ?? '', 3)))
    for (const n of names) {
      const s = await stats(['--config', n])
      assert.ok((s['TUN_PACKETS_OUT'] ?? 0) >= 3, `${n}: ${JSON.stringify(s)}`)
    }
    const pids = await Promise.all(started.map((s) => session(s.path ?? '/').$get('backend_pid')))
    for (const s of started) {
      const r = await st.cli(['session-manage', '--path', s.path ?? '/', '--disconnect'])
      assert.equal(r.code, 0, r.stderr)
    }
    for (const pid of pids) await nothingLeft(pid)
  })

  void test('a session manager restart keeps the tunnel and its traffic', async () => {
    const server = st.lab.servers[0]
    assert.ok(server)
    const s = await start('e2e-cert')
    assert.equal(s.code, 0, s.stderr)
    assert.ok(s.path)
    const pid = await session(s.path).$get('backend_pid')
    await st.restartSessionMgr()
    assert.ok(isAlive(pid))
    await ping(server.tunnelServerIp, 2)
    const list = await st.cli(['sessions-list'])
    assert.match(list.stdout, new RegExp(s.path))
    const stt = await stats(['--path', s.path])
    assert.ok((stt['TUN_PACKETS_OUT'] ?? 0) >= 2)
    // signals reach the new instance: a pause is seen as a status change
    const r = await st.cli(['session-manage', '--path', s.path, '--pause'])
    assert.equal(r.code, 0, r.stderr)
    await waitStatus(s.path, StatusMinor.CONN_PAUSED, 5000)
    await st.cli(['session-manage', '--path', s.path, '--disconnect'])
    await nothingLeft(pid)
  })
})
