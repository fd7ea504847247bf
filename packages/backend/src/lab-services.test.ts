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
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
  type TestBus,
  type TestProcess,
  isAlive,
  killSync,
  pollUntil,
  startBus,
  startLab,
  startProcess,
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
    let bus: TestBus
    let sm: StandIns
    let dir: string
    const procs: TestProcess[] = []
    const pids: number[] = []

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'ovpn3-be-svc-'))
      await writeFile(join(dir, 'resolv.conf'), '# test resolv.conf\nnameserver 192.0.2.53\n')
      // the services drop to the openvpn user: give it the state dir and the log file
      await chmod(dir, 0o755)
      await mkdir(join(dir, 'state'))
      await writeFile(join(dir, 'log-service.log'), '')
      for (const f of ['state', 'log-service.log']) {
        await chown(join(dir, f), users.openvpn.uid, users.openvpn.gid)
      }
      lab = await startLab({ servers: [{ kind: 'userpass' }] })
      bus = await startBus()
      procs.push(
        await startProcess({
          entry: 'packages/log/src/main.ts',
          args: [
            '--log-file',
            join(dir, 'log-service.log'),
            '--log-level',
            '6',
            '--idle-exit',
            '0',
          ],
          bus,
          waitForName: BusName.log,
          name: 'log',
        }),
        await startProcess({
          entry: 'packages/configmgr/src/main.ts',
          args: ['--state-dir', join(dir, 'state'), '--idle-exit', '0'],
          bus,
          waitForName: BusName.configuration,
          name: 'configmgr',
        }),
        await startProcess({
          entry: 'packages/netcfg/src/main.ts',
          args: ['--idle-exit', '0', '--resolv-conf', join(dir, 'resolv.conf')],
          bus,
          netns: lab.clientNs,
          waitForName: BusName.netcfg,
          name: 'netcfg',
        })
      )
      sm = await StandIns.start(bus.address, { configuration: false })
      procs.push(
        await startProcess({
          entry: 'packages/backend/src/starter-main.ts',
          args: ['--idle-exit', '0', '--client-output', join(dir, 'clients.log')],
          bus,
          netns: lab.clientNs,
          waitForName: BusName.backends,
          name: 'backendstart',
        })
      )
    })

    after(async () => {
      for (const pid of pids) if (isAlive(pid)) killSync(pid)
      for (const p of procs.reverse()) await p.stop().catch(() => undefined)
      await sm?.close()
      await bus?.stop()
      await lab?.close()
      if (dir) await rm(dir, { recursive: true, force: true })
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

          const logText = await readFile(join(dir, 'log-service.log'), 'utf8')
          assert.match(logText, /Starting connection/)
          assert.match(logText, /Connected: /)
          assert.ok(
            !logText.includes(server.password ?? '\0'),
            'password in the log service output'
          )
        } catch (err) {
          t.diagnostic(await readFile(join(dir, 'clients.log'), 'utf8').catch(() => ''))
          t.diagnostic(await readFile(join(dir, 'log-service.log'), 'utf8').catch(() => ''))
          throw err
        }
      }
    )
  }
)
