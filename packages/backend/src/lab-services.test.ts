/**
 * The backend with the real services around it, in the namespace lab (spec §6.2, §7.4, §8):
 *
 *   root ns:   dbus-daemon, openvpn3-service-configmgr (profile imported), openvpn3-service-log
 *              (file output), stand-in session manager (this process)
 *   client ns: openvpn3-service-netcfg (test resolv.conf), openvpn3-service-backendstart and its
 *              clients (as root: the starter only takes calls from its own UID, spec §5, and
 *              the stand-in session manager is this root process)
 *   server ns: stock OpenVPN 2.6 with auth-user-pass
 *
 * Import → StartClient → registration (configmgr Fetch counts the use) → credentials through
 * the queue → CONNECTED → ping → Disconnect; the log service received the backend's lines
 * (AssignSession accepted) and never the password.
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
  configurationManagerInterface,
  configurationObjectInterface,
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
  testUsers,
} from '@openvpn3-ts/testkit'
import { StandIns, newBackendToken, newSessionPath } from './testing/standins.js'

const users = testUsers()
const canRun = process.getuid?.() === 0 && users.complete

void describe(
  'backend with configmgr, log service and netcfg (lab)',
  { skip: !canRun && 'needs root and the openvpn user (scripts/setup.sh)' },
  () => {
    let lab: Lab
    let stack: ServiceStack
    let sm: StandIns
    const pids: number[] = []

    before(async () => {
      lab = await startLab({ servers: [{ kind: 'userpass' }] })
      stack = await startServiceStack({
        services: ['log', 'configmgr', 'netcfg', 'backendstart'],
        netns: lab.clientNs,
        args: { log: ['--log-level', '6'] },
      })
      sm = await StandIns.start(stack.bus.address, { configuration: false })
    })

    after(async () => {
      for (const pid of pids) if (isAlive(pid)) killSync(pid)
      await sm?.close()
      await stack?.stop()
      await lab?.close()
    })

    void test(
      'import, start, credentials, connect, ping, disconnect',
      { timeout: 120_000 },
      async (t) => {
        const server = lab.servers[0]
        assert.ok(server)
        try {
          const cfgmgr = proxy(
            sm.conn,
            BusName.configuration,
            ObjectPath.configuration,
            configurationManagerInterface
          )
          const config = await cfgmgr.Import('lab-userpass', server.profile, false, false)
          const token = newBackendToken()
          const starter = proxy(
            sm.conn,
            BusName.backends,
            ObjectPath.backends,
            backendStarterInterface
          )
          const pid = await starter.StartClient(token)
          pids.push(pid)
          const req = await sm.waitFor(
            'RegistrationRequest',
            (all) => all.find((s) => s.member === 'RegistrationRequest' && s.args[1] === token),
            20_000
          )
          const sender = req.sender
          const be = sm.backend(String(req.args[0]))
          const session = newSessionPath()
          assert.equal(await be.RegistrationConfirmation(token, session, config), 'lab-userpass')
          const cfg = proxy(sm.conn, BusName.configuration, config, configurationObjectInterface)
          assert.equal(await cfg.$get('used_count'), 1)
          await be.UserInputProvide(1, 1, 0, server.username ?? '')
          await be.UserInputProvide(1, 1, 1, server.password ?? '')
          await be.Ready()
          await be.Connect()
          await sm.waitFor(
            'CONNECTED',
            (all) =>
              all.find(
                (s) =>
                  s.sender === sender &&
                  s.member === 'StatusChange' &&
                  s.args[0] === StatusMajor.CONNECTION &&
                  s.args[1] === StatusMinor.CONN_CONNECTED
              ),
            30_000
          )
          const ping = await lab.exec(lab.clientNs, 'ping', [
            '-c',
            '2',
            '-W',
            '2',
            server.tunnelServerIp,
          ])
          assert.equal(ping.code, 0, ping.stdout + ping.stderr)
          await be.Disconnect()
          await pollUntil('backend exit', () => !isAlive(pid), { timeoutMs: 15_000 })

          const logText = await readFile(stack.paths.logFile, 'utf8')
          assert.match(logText, /Starting connection/)
          assert.match(logText, /Connected: /)
          assert.ok(
            !logText.includes(server.password ?? '\0'),
            'password in the log service output'
          )
        } catch (err) {
          t.diagnostic(await readFile(stack.paths.clientOutput, 'utf8').catch(() => ''))
          t.diagnostic(await readFile(stack.paths.logFile, 'utf8').catch(() => ''))
          throw err
        }
      }
    )
  }
)
