/**
 * Kit lifecycle helpers on a private bus: requestName (taken / denied), watching a bus
 * name vanish (NameOwnerChanged via a low-level match rule), idle exit, and connection
 * loss surfacing as BusClosedError on pending calls plus the `closed` promise.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { DBusConnection } from '../bus.js'
import { BusClosedError } from '../errors.js'
import { OPEN_POLICY, startPrivateBus } from '../testing/privatebus.js'
import type { PrivateBus } from '../testing/privatebus.js'
import { ServiceHost } from './host.js'
import { startIdleExit } from './idle.js'
import { NameDeniedError, NameTakenError, requestName } from './name.js'
import { watchNameVanish } from './watch.js'

const waitFor = async (cond: () => boolean, ms: number) => {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20))
  return cond()
}

void describe('kit lifecycle helpers', { timeout: 60_000 }, () => {
  let bus: PrivateBus
  let a: DBusConnection
  let b: DBusConnection
  before(async () => {
    bus = await startPrivateBus({ policy: OPEN_POLICY })
    a = await DBusConnection.connect({ address: bus.address })
    b = await DBusConnection.connect({ address: bus.address })
  })
  after(async () => {
    await a?.close()
    await b?.close()
    await bus?.stop()
  })

  void test('requestName: second owner gets NameTakenError; policy refusal is NameDeniedError', async () => {
    await requestName(a, 'net.openvpn.v3.lifecycle')
    await requestName(a, 'net.openvpn.v3.lifecycle') // already ours: fine
    await assert.rejects(requestName(b, 'net.openvpn.v3.lifecycle'), NameTakenError)
    // OPEN_POLICY only opens net.openvpn.v3.*; the default policy denies other names
    await assert.rejects(requestName(b, 'org.example.other'), NameDeniedError)
  })

  void test('watchNameVanish fires when the owner disconnects, and at once for an unowned name', async () => {
    const c = await DBusConnection.connect({ address: bus.address })
    await requestName(c, 'net.openvpn.v3.be.watch')
    let gone = 0
    const w = await watchNameVanish(b, 'net.openvpn.v3.be.watch', () => gone++)
    assert.equal(gone, 0)
    const unique = c.uniqueName
    let uniqueGone = false
    await watchNameVanish(b, unique, () => (uniqueGone = true))
    await c.close()
    assert.ok(await waitFor(() => gone === 1 && uniqueGone, 3000))
    await w.cancel()
    let immediate = false
    await watchNameVanish(b, 'net.openvpn.v3.never.owned', () => (immediate = true))
    assert.equal(immediate, true)
  })

  void test('idle exit fires after the idle period, not while busy', async () => {
    const host = new ServiceHost(b)
    try {
      let busy = true
      let idled = false
      const stop = startIdleExit(host, {
        idleMs: 200,
        checkEveryMs: 20,
        isBusy: () => busy,
        onIdle: () => (idled = true),
      })
      await new Promise((r) => setTimeout(r, 400))
      assert.equal(idled, false, 'busy keeps it alive')
      busy = false
      assert.ok(await waitFor(() => idled, 2000))
      stop()
    } finally {
      host.close()
    }
  })

  void test('losing the bus rejects pending calls with BusClosedError and settles `closed`', async () => {
    const own = await startPrivateBus({ policy: OPEN_POLICY })
    const c = await DBusConnection.connect({ address: own.address })
    const silent = await DBusConnection.connect({ address: own.address })
    silent.raw.addMethodHandler(() => true) // never answers
    const pending = c
      .call({
        destination: silent.uniqueName,
        path: '/x',
        interface: 'net.openvpn.v3.x',
        member: 'Y',
        timeoutMs: 10_000,
      })
      .then(
        () => 'replied',
        (e: unknown) => e
      )
    await new Promise((r) => setTimeout(r, 100))
    await own.stop()
    assert.ok((await pending) instanceof BusClosedError)
    const cause = await Promise.race([
      c.closed,
      new Promise((r) => setTimeout(() => r('timeout'), 3000)),
    ])
    assert.notEqual(cause, 'timeout')
    assert.equal(c.isClosed, true)
    await assert.rejects(c.callDaemon('GetId'), BusClosedError)
    await silent.close()
  })
})
