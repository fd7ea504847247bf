/**
 * A real connection in the namespace lab (spec §6, §7.4):
 *
 *   root ns: private dbus-daemon, stand-in session + configuration manager (this process)
 *   client ns ovl-c-*: openvpn3-service-netcfg (test resolv.conf), openvpn3-service-backendstart
 *                      → openvpn3-service-client <token>   192.0.2.2 ── veth ──┐
 *   server ns ovl-s-*: stock OpenVPN 2.6 (cert; static-challenge)    192.0.2.1 ─┘
 *
 * StartClient → RegistrationRequest → RegistrationConfirmation → Ready → Connect → CONNECTED,
 * a ping through the TUN to the server's tunnel address, Disconnect (exit notification, TUN
 * gone, CONN_DONE, process exits); credentials through the user-input queue for a
 * static-challenge server; SIGKILL of a connected backend leaves no TUN (netcfg cleans up).
 */
import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import {
  BusName,
  ObjectPath,
  StatusMajor,
  StatusMinor,
  backendStarterInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import {
  type Lab,
  type ServiceStack,
  isAlive,
  killSync,
  pollUntil,
  startLab,
  startServiceStack,
} from '@openvpn3-ts/testkit'
import { StandIns, newBackendToken, newSessionPath } from './testing/standins.js'

const C = StatusMajor.CONNECTION
const canRun = process.getuid?.() === 0

void describe('backend client in the namespace lab', { skip: !canRun && 'needs root' }, () => {
  let lab: Lab
  let stack: ServiceStack
  let sm: StandIns
  let clientLog: string
  const pids: number[] = []

  before(async () => {
    lab = await startLab({
      servers: [
        { kind: 'cert' },
        { kind: 'static-challenge' },
        { kind: 'userpass' },
        { kind: 'tcp' },
      ],
    })
    stack = await startServiceStack({ services: ['netcfg', 'backendstart'], netns: lab.clientNs })
    clientLog = stack.paths.clientOutput
    sm = await StandIns.start(stack.bus.address)
  })

  after(async () => {
    for (const pid of pids) if (isAlive(pid)) killSync(pid)
    await sm?.close()
    await stack?.stop()
    await lab?.close()
  })

  /** StartClient + registration; returns the backend proxy and timings. */
  async function startSession(profileName: string, profile: string) {
    const config = sm.addProfile(profileName, profile)
    const starter = proxy(sm.conn, BusName.backends, ObjectPath.backends, backendStarterInterface)
    const token = newBackendToken()
    const t0 = performance.now()
    const pid = await starter.StartClient(token)
    pids.push(pid)
    const tSpawned = performance.now()
    const req = await sm.waitFor(
      'RegistrationRequest',
      (all) => all.find((s) => s.member === 'RegistrationRequest' && s.args[1] === token),
      15_000
    )
    const tRegistered = performance.now()
    assert.equal(req.args[2], pid, 'StartClient returns the backend PID')
    const busName = String(req.args[0])
    const be = sm.backend(busName)
    assert.equal(await be.RegistrationConfirmation(token, newSessionPath(), config), profileName)
    process.stderr.write(
      `# ${profileName}: StartClient ${(tSpawned - t0).toFixed(1)} ms, registration after ${(tRegistered - t0).toFixed(1)} ms\n`
    )
    return { be, pid, busName, sender: req.sender }
  }

  const statusFrom = (sender: string, minor: number, ms = 20_000, since = 0) =>
    sm.waitFor(
      `status ${minor} from ${sender}`,
      (all) =>
        all
          .slice(since)
          .find(
            (s) =>
              s.sender === sender &&
              s.member === 'StatusChange' &&
              s.args[0] === C &&
              s.args[1] === minor
          )?.args[2] as string | undefined,
      ms
    )

  const tunDevices = () => lab.tunDevices()

  void test('connect, ping through the TUN, disconnect', { timeout: 90_000 }, async (t) => {
    const server = lab.servers[0]
    assert.ok(server)
    try {
      const { be, pid, sender } = await startSession('lab-cert', server.profile)
      await be.Ready()
      await be.Connect()
      await statusFrom(sender, StatusMinor.CONN_CONNECTING)
      await statusFrom(sender, StatusMinor.CONN_CONNECTED)
      const dev = await be.$get('device_name')
      assert.match(dev, /^tun\d+$/)
      assert.match(await be.$get('device_path'), /^\/net\/openvpn\/v3\/netcfg\/\d+_/)
      assert.deepEqual(await be.$get('connection'), ['udp', '192.0.2.1', '192.0.2.1', server.port])
      assert.equal(await be.$get('session_name'), '192.0.2.1')
      assert.deepEqual(await tunDevices(), [dev])
      // the transport socket reached netcfg's ProtectSocket outside the body (spec §1.6)
      assert.match(stack.service('netcfg').output(), /Socket protect called for socket \d+,/)

      const ping = await lab.exec(lab.clientNs, 'ping', [
        '-c',
        '3',
        '-i',
        '0.2',
        '-W',
        '2',
        server.tunnelServerIp,
      ])
      assert.equal(ping.code, 0, ping.stdout + ping.stderr)
      const stats = await be.$get('statistics')
      assert.ok((stats['BYTES_IN'] ?? 0n) > 0n && (stats['BYTES_OUT'] ?? 0n) > 0n)
      assert.ok(
        (stats['TUN_PACKETS_IN'] ?? 0n) >= 3n,
        JSON.stringify(stats, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v))
      )
      assert.ok((stats['TUN_PACKETS_OUT'] ?? 0n) >= 3n)
      const statusNow = await be.$get('status')
      assert.deepEqual(statusNow.slice(0, 2), [C, StatusMinor.CONN_CONNECTED])

      await be.Disconnect()
      await statusFrom(sender, StatusMinor.CONN_DISCONNECTING, 5000)
      await statusFrom(sender, StatusMinor.CONN_DISCONNECTED, 5000)
      await statusFrom(sender, StatusMinor.CONN_DONE, 5000)
      await pollUntil('backend exit', () => !isAlive(pid), { timeoutMs: 10_000 })
      assert.deepEqual(await tunDevices(), [])
      await server.waitForLog(/exit message received by peer|remote-exit/, 5000)
    } catch (err) {
      t.diagnostic(await readFile(clientLog, 'utf8').catch(() => ''))
      t.diagnostic(server.log().split('\n').slice(-25).join('\n'))
      throw err
    }
  })

  void test(
    'static challenge credentials through the queue, then SIGKILL leaves no TUN',
    { timeout: 90_000 },
    async (t) => {
      const server = lab.servers[1]
      assert.ok(server)
      try {
        const { be, pid, sender } = await startSession('lab-sc', server.profile)
        assert.equal(
          await statusFrom(sender, StatusMinor.CFG_REQUIRE_USER, 5000),
          'Username/password credentials needed'
        )
        await be.UserInputProvide(1, 1, 0, server.username ?? '')
        await be.UserInputProvide(1, 1, 1, server.password ?? '')
        await be.UserInputProvide(1, 4, 0, server.challengeResponse ?? '')
        await be.Ready()
        await be.Connect()
        await statusFrom(sender, StatusMinor.CONN_CONNECTED)
        const ping = await lab.exec(lab.clientNs, 'ping', [
          '-c',
          '1',
          '-W',
          '2',
          server.tunnelServerIp,
        ])
        assert.equal(ping.code, 0)
        assert.equal((await tunDevices()).length, 1)

        process.kill(pid, 'SIGKILL')
        await pollUntil('backend gone', () => !isAlive(pid), { timeoutMs: 5000 })
        await pollUntil('TUN removed by netcfg', async () => (await tunDevices()).length === 0, {
          timeoutMs: 10_000,
        })
        const log = await readFile(clientLog, 'utf8').catch(() => '')
        for (const secret of [server.password ?? '', server.challengeResponse ?? '']) {
          assert.ok(secret === '' || !log.includes(secret), 'secret in backend output')
        }
      } catch (err) {
        t.diagnostic(await readFile(clientLog, 'utf8').catch(() => ''))
        throw err
      }
    }
  )

  void test('Pause, Resume, Restart on a live connection', { timeout: 90_000 }, async (t) => {
    const server = lab.servers[0]
    assert.ok(server)
    try {
      const { be, sender } = await startSession('lab-cert-2', server.profile)
      await be.Connect()
      await statusFrom(sender, StatusMinor.CONN_CONNECTED)
      let mark = sm.signals.length
      await be.Pause('test pause')
      assert.equal(
        await statusFrom(sender, StatusMinor.CONN_PAUSING, 5000, mark),
        'Reason: test pause'
      )
      await statusFrom(sender, StatusMinor.CONN_PAUSED, 5000, mark)
      await assert.rejects(be.Pause('again'), /Connection is already paused/)
      mark = sm.signals.length
      await be.Resume()
      await statusFrom(sender, StatusMinor.CONN_RESUMING, 5000, mark)
      await statusFrom(sender, StatusMinor.CONN_CONNECTED, 20_000, mark)
      await assert.rejects(be.Resume(), /Connection is not paused/)
      mark = sm.signals.length
      await be.Restart()
      await statusFrom(sender, StatusMinor.CONN_RECONNECTING, 5000, mark)
      await statusFrom(sender, StatusMinor.CONN_CONNECTED, 20_000, mark)
      const ping = await lab.exec(lab.clientNs, 'ping', [
        '-c',
        '1',
        '-W',
        '2',
        server.tunnelServerIp,
      ])
      assert.equal(ping.code, 0, ping.stdout + ping.stderr)
      await be.Disconnect()
      await statusFrom(sender, StatusMinor.CONN_DONE, 10_000)
    } catch (err) {
      t.diagnostic(await readFile(clientLog, 'utf8').catch(() => ''))
      throw err
    }
  })

  void test('wrong password: CONN_AUTH_FAILED', { timeout: 90_000 }, async (t) => {
    const server = lab.servers[2]
    assert.ok(server)
    try {
      const { be, sender } = await startSession('lab-up', server.profile)
      await be.UserInputProvide(1, 1, 0, server.username ?? 'labuser')
      await be.UserInputProvide(1, 1, 1, 'wrong-password')
      await be.Connect()
      assert.equal(
        await statusFrom(sender, StatusMinor.CONN_AUTH_FAILED, 30_000),
        'Authentication failed'
      )
      await be.Disconnect()
      await statusFrom(sender, StatusMinor.CONN_DONE, 10_000)
    } catch (err) {
      t.diagnostic(await readFile(clientLog, 'utf8').catch(() => ''))
      throw err
    }
  })

  void test('TCP server: connect, ping, disconnect', { timeout: 90_000 }, async (t) => {
    const server = lab.servers[3]
    assert.ok(server)
    try {
      const { be, pid, sender } = await startSession('lab-tcp', server.profile)
      await be.Connect()
      await statusFrom(sender, StatusMinor.CONN_CONNECTED)
      assert.deepEqual(await be.$get('connection'), ['tcp', '192.0.2.1', '192.0.2.1', server.port])
      const ping = await lab.exec(lab.clientNs, 'ping', [
        '-c',
        '2',
        '-W',
        '2',
        server.tunnelServerIp,
      ])
      assert.equal(ping.code, 0, ping.stdout + ping.stderr)
      await be.Disconnect()
      await statusFrom(sender, StatusMinor.CONN_DONE, 10_000)
      await pollUntil('backend exit', () => !isAlive(pid), { timeoutMs: 10_000 })
      assert.deepEqual(await tunDevices(), [])
    } catch (err) {
      t.diagnostic(await readFile(clientLog, 'utf8').catch(() => ''))
      throw err
    }
  })
})
