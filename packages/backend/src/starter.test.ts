/**
 * openvpn3-service-backendstart on a private bus (spec §5): StartClient spawns a detached client
 * in its own session with a minimal environment and returns the PID that registers (cold and
 * warm spare), token checks, the caller-UID rule, `version`, idle exit.
 */
import { strict as assert } from 'node:assert'
import { readFile } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import {
  BusName,
  DBusCallError,
  ErrorDomain,
  ObjectPath,
  SERVICE_VERSION,
  backendStarterInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import {
  type TestBus,
  isAlive,
  killSync,
  pollUntil,
  startBus,
  startProcess,
  testUsers,
} from '@openvpn3-ts/testkit'
import { StandIns, labProfile, newBackendToken } from './testing/standins.js'

const STARTER = 'packages/backend/src/starter-main.ts'

void describe('backend starter', () => {
  let bus: TestBus
  let sm: StandIns
  const pids: number[] = []
  before(async () => {
    bus = await startBus()
    sm = await StandIns.start(bus.address)
    sm.addProfile('p', await labProfile({}))
  })
  after(async () => {
    for (const pid of pids) if (isAlive(pid)) killSync(pid)
    await sm?.close()
    await bus?.stop()
  })

  const starterProxy = () =>
    proxy(sm.conn, BusName.backends, ObjectPath.backends, backendStarterInterface)

  for (const spare of ['0', '1']) {
    void test(
      `StartClient (spare ${spare}): detached, own session, minimal env, PID registers`,
      { timeout: 60_000 },
      async () => {
        const starter = await startProcess({
          entry: STARTER,
          args: ['--idle-exit', '0', '--spare-clients', spare],
          bus,
          waitForName: BusName.backends,
        })
        try {
          const sp = starterProxy()
          assert.equal(await sp.$get('version'), SERVICE_VERSION)
          await assert.rejects(sp.StartClient('bogus'), (err: unknown) => {
            assert.ok(err instanceof DBusCallError)
            assert.equal(err.domain, ErrorDomain.GDBUSPP)
            assert.equal(err.text, "Invalid session token 'bogus'")
            return true
          })
          if (spare === '1') await new Promise((r) => setTimeout(r, 1500))
          const token = newBackendToken()
          const pid = await sp.StartClient(token)
          pids.push(pid)
          const req = await sm.waitFor(
            'RegistrationRequest',
            (all) => all.find((s) => s.member === 'RegistrationRequest' && s.args[1] === token),
            20_000
          )
          assert.equal(req.args[2], pid)
          assert.equal(req.args[0], `net.openvpn.v3.backends.be${pid}`)
          const environ = (await readFile(`/proc/${pid}/environ`, 'utf8'))
            .split('\0')
            .filter(Boolean)
          assert.deepEqual(environ.map((e) => e.split('=')[0]).sort(), [
            'DBUS_SYSTEM_BUS_ADDRESS',
            'PATH',
          ])
          // a Node client runs with the starter's V8 flags (small young generation)
          const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
          assert.ok(cmdline.includes('--max-semi-space-size=4'), cmdline.join(' '))
          const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
          const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
          assert.equal(Number(fields[3]), pid, 'the client leads its own session (setsid)')
          await sm.backend(String(req.args[0])).ForceShutdown()
          await pollUntil('client exit', () => !isAlive(pid), { timeoutMs: 10_000 })
        } finally {
          assert.equal(await starter.stop(), 0)
        }
      }
    )
  }

  void test(
    'only callers with the starter’s UID may call methods; idle exit',
    { timeout: 60_000 },
    async (t) => {
      const { openvpn, complete } = testUsers()
      if (!complete) return t.skip('scripts/setup.sh has not created the openvpn user')
      const starter = await startProcess({
        entry: STARTER,
        args: ['--idle-exit', '2', '--spare-clients', '0'],
        bus,
        uid: openvpn.uid,
        waitForName: BusName.backends,
      })
      const sp = starterProxy()
      assert.equal(await sp.$get('version'), SERVICE_VERSION)
      await assert.rejects(sp.StartClient(newBackendToken()), (err: unknown) => {
        assert.ok(err instanceof DBusCallError)
        assert.equal(err.domain, ErrorDomain.GDBUSPP)
        assert.equal(err.text, 'Access denied')
        return true
      })
      const exit = await starter.waitForExit(15_000)
      assert.equal(exit.code, 0, 'idle exit')
    }
  )
})
