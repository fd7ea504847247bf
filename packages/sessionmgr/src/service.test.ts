/**
 * Bus tests of openvpn3-service-sessionmgr (spec dbus-api.md §4, §6.2) with the real
 * configuration manager, backend starter and backend clients on a private bus (no VPN server:
 * the sessions register and sit in CFG_OK): NewTunnel replies with a session object that
 * already exists, SESS_CREATED, properties, duplicate refusal, Disconnect, SIGKILL of a backend
 * (SESS_DESTROYED within a second), and a session manager restart re-attaching to a running
 * backend.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  BusName,
  DBusConnection,
  ObjectPath,
  SessionManagerEventType,
  StatusMajor,
  StatusMinor,
  configurationManagerInterface,
  proxy,
  sessionManagerInterface,
  sessionObjectInterface,
} from '@openvpn3-ts/dbus'
import {
  type ServiceStack,
  isAlive,
  killSync,
  pkiMaterial,
  pollUntil,
  startServiceStack,
} from '@openvpn3-ts/testkit'

const canRun = process.getuid?.() === 0

async function profile(port: number): Promise<string> {
  const pem = await pkiMaterial()
  const block = (tag: string, body: string) => `<${tag}>\n${body.trim()}\n</${tag}>`
  return [
    'client',
    'dev tun',
    `remote 192.0.2.1 ${port} udp`,
    'nobind',
    block('ca', pem.caCert),
    block('cert', pem.clientCert),
    block('key', pem.clientKey),
    '',
  ].join('\n')
}

void describe('session manager on a private bus', { skip: !canRun && 'needs root' }, () => {
  let stack: ServiceStack
  let conn: DBusConnection
  const backendPids: number[] = []
  const events: [string, number, number][] = []

  before(async () => {
    stack = await startServiceStack({ services: ['configmgr', 'backendstart', 'sessionmgr'] })
    conn = await DBusConnection.connect({ address: stack.bus.address, callTimeoutMs: 20_000 })
    const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    await mgr.$on('SessionManagerEvent', (path, type, owner) => events.push([path, type, owner]), {
      anySender: true,
    })
  })

  after(async () => {
    for (const pid of backendPids) if (isAlive(pid)) killSync(pid)
    await conn?.close().catch(() => undefined)
    await stack?.stop()
  })

  async function newSession(name: string, port: number) {
    const cfgmgr = proxy(
      conn,
      BusName.configuration,
      ObjectPath.configuration,
      configurationManagerInterface
    )
    const config = await cfgmgr.Import(name, await profile(port), false, false)
    const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    const t0 = performance.now()
    const path = await mgr.NewTunnel(config)
    const ms = performance.now() - t0
    const s = proxy(conn, BusName.sessions, path, sessionObjectInterface)
    const pid = await s.$get('backend_pid')
    backendPids.push(pid)
    return { config, path, s, pid, ms, mgr }
  }

  void test('NewTunnel replies once the backend registered; properties; Disconnect', async (t) => {
    const { config, path, s, pid, ms, mgr } = await newSession('sm-one', 1194)
    t.diagnostic(`NewTunnel ${ms.toFixed(0)} ms`)
    assert.match(path, /^\/net\/openvpn\/v3\/sessions\/[0-9a-f]{8}s[0-9a-f]{4}s/)
    // the object exists at reply time and the event was already broadcast
    assert.equal(await s.$get('config_name'), 'sm-one')
    assert.equal(await s.$get('config_path'), config)
    assert.equal(await s.$get('owner'), 0)
    assert.deepEqual(await s.$get('acl'), [])
    assert.equal(await s.$get('restrict_log_access'), true)
    assert.ok(pid > 1 && isAlive(pid))
    assert.deepEqual(await s.$get('status'), [
      StatusMajor.CONNECTION,
      StatusMinor.CFG_OK,
      `config_path=${config}`,
    ])
    assert.equal(await s.$get('device_name'), '')
    assert.deepEqual(await s.$get('connected_to'), ['', '', 0])
    await pollUntil(
      'SESS_CREATED',
      () =>
        events.some((e) => e[0] === path && e[1] === SessionManagerEventType.SESS_CREATED) ||
        undefined,
      { timeoutMs: 5000 }
    )
    assert.deepEqual(await mgr.FetchAvailableSessions(), [path])
    assert.deepEqual(await mgr.LookupConfigName('sm-one'), [path])
    assert.deepEqual(await mgr.FetchManagedInterfaces(), [''])
    await assert.rejects(mgr.NewTunnel(config), /already running/)
    await assert.rejects(mgr.LookupInterface('tun99'), /Interface not found/)
    await assert.rejects(s.$set('log_verbosity', 9), /Incorrect log level/)
    await s.AccessGrant(4242)
    await assert.rejects(s.AccessGrant(4242), /UID already granted access/)
    assert.deepEqual(await s.$get('acl'), [4242])
    await s.AccessRevoke(4242)
    await assert.rejects(s.AccessRevoke(4242), /UID not granted access/)

    await s.Disconnect()
    await pollUntil(
      'SESS_DESTROYED',
      () =>
        events.some((e) => e[0] === path && e[1] === SessionManagerEventType.SESS_DESTROYED) ||
        undefined,
      { timeoutMs: 5000 }
    )
    await assert.rejects(s.$get('owner'), /Object does not exist at path/)
    await pollUntil('backend exit', () => !isAlive(pid) || undefined, { timeoutMs: 10_000 })
    assert.deepEqual(await mgr.FetchAvailableSessions(), [])
  })

  void test('SIGKILL of the backend: SESS_DESTROYED within a second', async (t) => {
    const { path, pid, mgr } = await newSession('sm-kill', 1195)
    const t0 = Date.now()
    process.kill(pid, 'SIGKILL')
    await pollUntil('backend dead', () => !isAlive(pid) || undefined, { timeoutMs: 1000 })
    t.diagnostic(`backend dead after ${Date.now() - t0} ms`)
    await pollUntil(
      'SESS_DESTROYED',
      () =>
        events.some((e) => e[0] === path && e[1] === SessionManagerEventType.SESS_DESTROYED) ||
        undefined,
      { timeoutMs: 1000 }
    )
    t.diagnostic(`SESS_DESTROYED after ${Date.now() - t0} ms`)
    assert.ok(Date.now() - t0 < 1000)
    assert.deepEqual(await mgr.FetchAvailableSessions(), [])
  })

  void test('a hung backend: the liveness ping closes the session', async () => {
    const { path, pid, s } = await newSession('sm-hung', 1197)
    await new Promise((r) => setTimeout(r, 1200)) // past the liveness grace after registration
    process.kill(pid, 'SIGSTOP')
    try {
      await assert.rejects(s.Pause('x'), /Backend VPN process did not respond/)
      await pollUntil(
        'SESS_DESTROYED',
        () =>
          events.some((e) => e[0] === path && e[1] === SessionManagerEventType.SESS_DESTROYED) ||
          undefined,
        { timeoutMs: 10_000 }
      )
      await assert.rejects(s.$get('owner'), /Object does not exist at path/)
    } finally {
      process.kill(pid, 'SIGKILL')
    }
  })

  void test('a restarted session manager re-attaches to a running backend', async () => {
    const { path, pid, s } = await newSession('sm-restart', 1196)
    await s.AccessGrant(4243)
    await stack.service('sessionmgr').stop()
    assert.ok(isAlive(pid), 'backend survives the session manager')
    await stack.restart('sessionmgr')
    const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    assert.deepEqual(await mgr.FetchAvailableSessions(), [path])
    assert.equal(await s.$get('backend_pid'), pid)
    assert.deepEqual(await s.$get('acl'), [4243])
    assert.equal(await s.$get('config_name'), 'sm-restart')
    assert.equal((await s.$get('status'))[1], StatusMinor.CFG_OK)
    await s.Disconnect()
    await pollUntil('backend exit', () => !isAlive(pid) || undefined, { timeoutMs: 10_000 })
  })
})
