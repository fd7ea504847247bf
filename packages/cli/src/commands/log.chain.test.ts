/**
 * `openvpn3 log` against the real service chain on a private bus (spec §8.3, §10.1): the
 * configuration manager, backend starter, session manager and log service, all real. A
 * session is created with NewTunnel (its backend uses the shared logging layer) and connected
 * to a loopback port where no server listens, so the backend reports connecting and its
 * retries as StatusChange; `openvpn3 log` follows them through LogForward → ProxyLogEvents → the log proxy,
 * and ends when the session is disconnected. A user without access to the session gets
 * nothing. No traffic leaves loopback.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { readFileSync } from 'node:fs'
import {
  BusName,
  DBusConnection,
  ObjectPath,
  configurationManagerInterface,
  proxy,
  sessionManagerInterface,
  sessionObjectInterface,
} from '@openvpn3-ts/dbus'
import {
  isAlive,
  killSync,
  pkiMaterial,
  pollUntil,
  startProcess,
  startServiceStack,
  testUsers,
} from '@openvpn3-ts/testkit'
import type { ServiceStack, TestBus } from '@openvpn3-ts/testkit'

const OPENVPN3 = 'packages/cli/src/openvpn3.ts'
const canRun = process.getuid?.() === 0

/** pollUntil for a condition (pollUntil stops at any defined value, `false` included). */
const until = (what: string, cond: () => boolean, timeoutMs = 20_000) =>
  pollUntil(what, () => (cond() ? true : undefined), { timeoutMs })

async function loopbackProfile(): Promise<string> {
  const pem = await pkiMaterial()
  const block = (tag: string, body: string) => `<${tag}>\n${body.trim()}\n</${tag}>`
  return [
    'client',
    'dev tun',
    'remote 127.0.0.1 1 udp', // nothing listens: the backend keeps trying, on loopback only
    'nobind',
    // UDP ignores ICMP refusals (as OpenVPN does): a short hand-window makes the retries come fast
    'hand-window 3',
    block('ca', pem.caCert),
    block('cert', pem.clientCert),
    block('key', pem.clientKey),
    '',
  ].join('\n')
}

void describe(
  'openvpn3 log with the real services',
  { skip: !canRun && 'needs root', timeout: 150_000 },
  () => {
    const users = testUsers()
    let stack: ServiceStack
    let bus: TestBus
    let conn: DBusConnection
    let backendPid = 0

    before(async () => {
      stack = await startServiceStack({
        services: ['log', 'configmgr', 'backendstart', 'sessionmgr'],
        args: { log: ['--log-level', '6'] },
      })
      bus = stack.bus
      conn = await DBusConnection.connect({ address: bus.address, callTimeoutMs: 20_000 })
    })

    after(async () => {
      if (backendPid && isAlive(backendPid)) killSync(backendPid)
      await conn?.close().catch(() => undefined)
      await stack?.stop()
    })

    void test('follows a real session live and ends with it; other users get nothing', async () => {
      const cfgmgr = proxy(
        conn,
        BusName.configuration,
        ObjectPath.configuration,
        configurationManagerInterface
      )
      const config = await cfgmgr.Import('chain', await loopbackProfile(), false, false)
      const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
      const path = await mgr.NewTunnel(config)
      const session = proxy(conn, BusName.sessions, path, sessionObjectInterface)
      backendPid = await session.$get('backend_pid')

      const cli = await startProcess({
        entry: OPENVPN3,
        args: ['log', '--session-path', path, '--log-level', '6'],
        bus,
        waitForLine: /Following the log of/,
        name: 'openvpn3 log',
      })
      // another user: the session's ACL refuses LogForward (restrict_log_access)
      const stranger = await startProcess({
        entry: OPENVPN3,
        args: ['log', '--session-path', path],
        bus,
        uid: users.test.uid,
        name: 'openvpn3 log (other user)',
      })
      try {
        const denied = await stranger.waitForExit(20_000)
        assert.equal(denied.code, 1, stranger.output())
        await session.Ready().catch(() => undefined)
        await session.Connect()
        // the backend reports connecting and its retries (nothing listens on the port)
        await until(
          'status lines from the backend',
          () =>
            /\[STATUS\] Connection, Client connecting/.test(cli.stdout()) &&
            (cli.stdout().match(/\[STATUS\]/g) ?? []).length >= 3
        )
        await session.Disconnect()
        const { code } = await cli.waitForExit(20_000)
        assert.equal(code, 0, cli.output())
        assert.match(cli.stdout(), /Session closed/)
        // the log service got them from the backend itself (the source of the forwarding)
        assert.match(
          readFileSync(stack.paths.logFile, 'utf8'),
          /StatusChange from \/net\/openvpn\/v3\/backends\/session: major=2, minor=6/
        )
      } catch (err) {
        // show what did arrive (the test reporter does not show stderr)
        throw new Error(
          `${String(err)}\n--- openvpn3 log output:\n${cli.output()}\n--- log service file:\n` +
            readFileSync(stack.paths.logFile, 'utf8').slice(-3000),
          { cause: err }
        )
      } finally {
        await cli.stop()
        await stranger.stop()
      }
    })
  }
)
