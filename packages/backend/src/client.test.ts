/**
 * Backend client process on a private bus (spec §6): the registration handshake, every
 * method's error texts and the access rules, driven by a stand-in session manager; the
 * user-input queue slots for a user/pass + static-challenge profile (spec §6.5); secrets never
 * reach the logs. Real dbus-daemon, real backend processes.
 */
import { strict as assert } from 'node:assert'
import { after, before, describe, test } from 'node:test'
import {
  DBusCallError,
  DBusConnection,
  ErrorDomain,
  StatusMajor,
  StatusMinor,
  StdError,
} from '@openvpn3-ts/dbus'
import { type TestBus, type TestProcess, startBus, startProcess } from '@openvpn3-ts/testkit'
import {
  StandIns,
  backendProxy,
  labProfile,
  newBackendToken,
  newSessionPath,
} from './testing/standins.js'

const CLIENT = 'packages/backend/src/client-main.ts'

async function rejectsWith(p: Promise<unknown>, domain: string, text: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DBusCallError, `expected DBusCallError, got ${String(err)}`)
    assert.equal(err.domain ?? err.errorName, domain)
    assert.equal(err.text, text)
    return true
  })
}

async function startBackend(bus: TestBus, sm: StandIns, token: string) {
  const proc = await startProcess({ entry: CLIENT, args: [token], bus, name: 'backend' })
  const busName = `net.openvpn.v3.backends.be${proc.pid}`
  const req = await sm.waitFor('RegistrationRequest', (all) =>
    all.find((s) => s.member === 'RegistrationRequest' && s.args[1] === token)
  )
  return { proc, busName, req }
}

void describe('backend client: registration and methods', () => {
  let bus: TestBus
  let sm: StandIns
  const procs: TestProcess[] = []
  before(async () => {
    bus = await startBus()
    sm = await StandIns.start(bus.address)
  })
  after(async () => {
    for (const p of procs) await p.stop('SIGKILL').catch(() => undefined)
    await sm?.close()
    await bus?.stop()
  })

  void test(
    'handshake, error texts, properties and access rules',
    { timeout: 60_000 },
    async () => {
      const config = sm.addProfile('lab-cert', await labProfile({}), { singleUse: true })
      const token = newBackendToken()
      const { proc, busName, req } = await startBackend(bus, sm, token)
      procs.push(proc)
      assert.deepEqual(req.args, [busName, token, proc.pid])
      const be = sm.backend(busName)

      // before registration
      assert.equal(await be.Ping(), true)
      assert.equal(await be.$get('session_path'), '/__unknown')
      for (const call of [be.Connect(), be.Pause('x'), be.Resume(), be.Restart()]) {
        await rejectsWith(call, ErrorDomain.CLIENT, 'Backend service is not initialized')
      }
      const session = newSessionPath()
      await rejectsWith(
        be.RegistrationConfirmation(newBackendToken(), session, config),
        ErrorDomain.BE_REGISTRATION,
        'Invalid registration token'
      )

      // registration: profile fetched (single-use: gone afterwards), CFG_OK
      assert.equal(await be.RegistrationConfirmation(token, session, config), 'lab-cert')
      assert.equal(sm.fetchCount, 1)
      assert.equal(
        await sm.waitStatus(StatusMajor.CONNECTION, StatusMinor.CFG_OK),
        `config_path=${config}`
      )
      assert.deepEqual(await be.$get('status'), [2, 2, `config_path=${config}`])
      await rejectsWith(
        be.RegistrationConfirmation(token, session, config),
        ErrorDomain.BE_REGISTRATION,
        'Backend service is already registered'
      )
      assert.equal(await be.$get('session_path'), session)
      await be.Ready()
      await rejectsWith(be.Pause('x'), ErrorDomain.CLIENT, 'Backend service is not initialized')
      await rejectsWith(be.Resume(), ErrorDomain.CLIENT, 'Backend service is not initialized')

      // properties
      assert.equal(await be.$get('device_path'), '/')
      assert.equal(await be.$get('device_name'), '')
      assert.equal(await be.$get('session_name'), '')
      assert.deepEqual(await be.$get('connection'), ['', '', '', 0])
      assert.deepEqual(await be.$get('statistics'), {})
      assert.equal(await be.$get('dco'), false)
      await be.$set('dco', true)
      assert.equal(await be.$get('dco'), true)
      await be.$set('log_level', 5)
      assert.equal(await be.$get('log_level'), 5)
      await assert.rejects(be.$set('log_level', 7))
      assert.equal(await be.$get('log_level'), 5)
      const last = await be.$get('last_log_line')
      assert.ok(typeof last === 'object')

      // only the session manager may call methods and read the restricted properties
      const other = await DBusConnection.connect({ address: bus.address })
      try {
        const fromOther = backendProxy(other, busName)
        await rejectsWith(fromOther.Ping(), ErrorDomain.GDBUSPP, 'Access denied')
        await rejectsWith(fromOther.Disconnect(), ErrorDomain.GDBUSPP, 'Access denied')
        await assert.rejects(fromOther.$get('device_name'), (err: unknown) => {
          assert.ok(err instanceof DBusCallError)
          assert.equal(err.errorName, StdError.AccessDenied)
          return true
        })
        assert.deepEqual(await fromOther.$get('status'), [2, 2, `config_path=${config}`])
        await assert.rejects(fromOther.$set('log_level', 1))
      } finally {
        await other.close()
      }

      // ForceShutdown: CONN_DONE, then the process exits and releases its name
      await be.ForceShutdown()
      await sm.waitStatus(StatusMajor.CONNECTION, StatusMinor.CONN_DONE)
      const exit = await proc.waitForExit(10_000)
      assert.equal(exit.code, 0)
      await bus.waitForName(busName, { owned: false, timeoutMs: 5000 })
    }
  )

  void test(
    'bad profile: CFG_ERROR and Configuration parsing failed',
    { timeout: 30_000 },
    async () => {
      const config = sm.addProfile('broken', 'client\nremote\n')
      const token = newBackendToken()
      const { proc, busName } = await startBackend(bus, sm, token)
      procs.push(proc)
      const be = sm.backend(busName)
      await assert.rejects(
        be.RegistrationConfirmation(token, newSessionPath(), config),
        (err: unknown) => {
          assert.ok(err instanceof DBusCallError)
          assert.equal(err.domain, ErrorDomain.CLIENT)
          assert.match(err.text, /^Configuration parsing failed: /)
          return true
        }
      )
      const msg = await sm.waitStatus(StatusMajor.CONNECTION, StatusMinor.CFG_ERROR)
      assert.match(msg, new RegExp(`^config_path=${config}, eval_message='`))
      await be.Disconnect()
      await proc.waitForExit(10_000)
    }
  )

  void test('user-input queue: user/pass + static challenge', { timeout: 60_000 }, async () => {
    const text = await labProfile({ lines: ['auth-user-pass', 'static-challenge "Enter PIN" 1'] })
    const config = sm.addProfile('lab-sc', text)
    const token = newBackendToken()
    const { proc, busName } = await startBackend(bus, sm, token)
    procs.push(proc)
    const be = sm.backend(busName)
    await be.RegistrationConfirmation(token, newSessionPath(), config)
    await sm.waitStatus(StatusMajor.CONNECTION, StatusMinor.CFG_OK)
    assert.equal(
      await sm.waitStatus(StatusMajor.CONNECTION, StatusMinor.CFG_REQUIRE_USER),
      'Username/password credentials needed'
    )
    const att = await sm.waitFor('AttentionRequired', (all) =>
      all.find((s) => s.member === 'AttentionRequired' && s.sender === req0Sender(all, busName))
    )
    assert.deepEqual(att.args, [1, 1, 'Username/password credentials needed'])

    await rejectsWith(be.Ready(), ErrorDomain.READY, 'Missing user credentials')
    await rejectsWith(be.Connect(), ErrorDomain.CLIENT, 'Required user input not provided')
    assert.deepEqual(await be.UserInputQueueGetTypeGroup(), [
      [1, 1],
      [1, 4],
    ])
    assert.deepEqual(await be.UserInputQueueCheck(1, 1), [0, 1])
    assert.deepEqual(await be.UserInputQueueCheck(1, 4), [0])
    assert.deepEqual(await be.UserInputQueueFetch(1, 1, 0), [
      1,
      1,
      0,
      'username',
      'Auth User name',
      false,
    ])
    assert.deepEqual(await be.UserInputQueueFetch(1, 1, 1), [
      1,
      1,
      1,
      'password',
      'Auth Password',
      true,
    ])
    assert.deepEqual(await be.UserInputQueueFetch(1, 4, 0), [
      1,
      4,
      0,
      'static_challenge',
      'Enter PIN',
      false,
    ])
    await rejectsWith(
      be.UserInputQueueFetch(1, 1, 7),
      ErrorDomain.REQUEST,
      'net.openvpn.v3.element-not-found: No requires queue element found'
    )
    await rejectsWith(
      be.UserInputProvide(1, 1, 0, ''),
      ErrorDomain.REQUEST,
      'net.openvpn.v3.error.invalid-input: No value provided for RequiresSlot ID 0'
    )
    await be.UserInputProvide(1, 1, 0, 'labuser')
    await rejectsWith(
      be.UserInputQueueFetch(1, 1, 0),
      ErrorDomain.REQUEST,
      'net.openvpn.v3.already-provided: User input already provided'
    )
    await rejectsWith(
      be.UserInputProvide(1, 1, 0, 'again'),
      ErrorDomain.REQUEST,
      'net.openvpn.v3.error.input-already-provided: Request ID 0 has already been provided'
    )
    await rejectsWith(
      be.UserInputProvide(1, 1, 9, 'x'),
      ErrorDomain.REQUEST,
      'net.openvpn.v3.invalid-input: No matching entry found in the request queue'
    )
    await be.UserInputProvide(1, 1, 1, 'Secret-Passw0rd\n')
    await rejectsWith(
      be.UserInputProvide(1, 1, 1, 'x'),
      ErrorDomain.REQUEST,
      'User input not required'
    )
    assert.deepEqual(await be.UserInputQueueGetTypeGroup(), [[1, 4]])
    await rejectsWith(be.Ready(), ErrorDomain.READY, 'Missing user credentials')
    await be.UserInputProvide(1, 4, 0, '987654')
    assert.deepEqual(await be.UserInputQueueGetTypeGroup(), [])
    await be.Ready()

    await be.Disconnect()
    await sm.waitStatus(StatusMajor.CONNECTION, StatusMinor.CONN_DONE)
    await proc.waitForExit(10_000)
    // secrets never reach the logs (Log signals or the process output)
    const logs = sm.signals.filter((s) => s.member === 'Log').map((s) => String(s.args[3]))
    for (const secret of ['Secret-Passw0rd', '987654']) {
      assert.ok(!logs.some((l) => l.includes(secret)), `secret in Log signal`)
      assert.ok(!proc.output().includes(secret), 'secret in process output')
    }
  })
})

/** Unique name that sent the RegistrationRequest for `busName`. */
function req0Sender(
  all: { member: string; sender: string; args: unknown[] }[],
  busName: string
): string | undefined {
  return all.find((s) => s.member === 'RegistrationRequest' && s.args[0] === busName)?.sender
}
