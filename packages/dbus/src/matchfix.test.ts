/**
 * The match-rule leak fix (libraries.md §1.2(e)): 600 listener add/remove cycles through
 * dbus-next's own proxy path and through our SignalRouter stay under the bus's 512-rule
 * limit; without the fix the same loop hits LimitsExceeded (checked in a child process).
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { DBusConnection } from './bus.js'
import { startPrivateBus } from './testing/privatebus.js'
import type { PrivateBus } from './testing/privatebus.js'
import { runTs } from './testing/proc.js'

const CYCLES = 600

/** Match rules the daemon holds for a connection, when it has the Stats interface. */
async function matchRuleCount(conn: DBusConnection): Promise<number | undefined> {
  try {
    const r = await conn.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus.Debug.Stats',
      member: 'GetConnectionStats',
      signature: 's',
      body: [conn.uniqueName],
    })
    const stats = r.body[0] as Record<string, { value: unknown }>
    return Number(stats['MatchRules']?.value)
  } catch {
    return undefined
  }
}

void describe('match-rule refcount fix', { timeout: 120_000 }, () => {
  let bus: PrivateBus
  let conn: DBusConnection
  before(async () => {
    bus = await startPrivateBus({
      policy:
        '<policy context="default"><allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Debug.Stats"/></policy>',
    })
    conn = await DBusConnection.connect({ address: bus.address })
  })
  after(async () => {
    await conn?.close()
    await bus?.stop()
  })

  void test(`${CYCLES} on/off cycles of a dbus-next proxy listener do not hit LimitsExceeded`, async () => {
    type ProxyIface = { on(e: string, f: () => void): void; off(e: string, f: () => void): void }
    const raw = conn.raw as unknown as {
      getProxyObject(n: string, p: string): Promise<{ getInterface(n: string): ProxyIface }>
    }
    const obj = await raw.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus')
    const iface = obj.getInterface('org.freedesktop.DBus')
    const errors: unknown[] = []
    const onError = (e: unknown) => errors.push(e)
    conn.raw.on('error', onError)
    const before = await matchRuleCount(conn)
    for (let i = 0; i < CYCLES; i++) {
      const f = () => undefined
      iface.on('NameOwnerChanged', f)
      iface.off('NameOwnerChanged', f)
    }
    // the add/remove calls are queued in order; a round trip flushes them
    await conn.callDaemon('GetId')
    const rule = await conn.raw._addMatch("type='signal',member='ProbeAfterCycles'")
    assert.notEqual(rule, undefined)
    const after = await matchRuleCount(conn)
    if (before !== undefined && after !== undefined)
      assert.ok(after - before <= 1, `${before}→${after}`)
    await conn.raw._removeMatch("type='signal',member='ProbeAfterCycles'")
    conn.raw.removeListener('error', onError)
    assert.deepEqual(errors, [])
  })

  void test(`${CYCLES} SignalRouter subscribe/unsubscribe cycles`, async () => {
    for (let i = 0; i < CYCLES; i++) {
      const off = await conn.signals.subscribe(
        { interface: 'net.openvpn.v3.x', member: `M${i % 7}` },
        () => undefined
      )
      await off()
    }
    assert.equal(conn.signals.size, 0)
    assert.deepEqual(conn.raw._matchRules, {})
  })

  void test('refcount: two subscribers share one rule, removed when both are gone', async () => {
    const spec = { interface: 'net.openvpn.v3.y', member: 'Z' }
    const a = await conn.signals.subscribe(spec, () => undefined)
    const b = await conn.signals.subscribe(spec, () => undefined)
    const rules = Object.entries(conn.raw._matchRules)
    assert.equal(rules.length, 1)
    assert.equal(rules[0]?.[1], 2)
    await a()
    assert.equal(Object.values(conn.raw._matchRules)[0], 1)
    await b()
    assert.deepEqual(conn.raw._matchRules, {})
  })

  void test('without the fix, the same loop hits LimitsExceeded (the test can fail)', async () => {
    const p = await runTs('packages/dbus/src/testing/unpatched.ts', [String(CYCLES)], {
      env: bus.env,
    })
    await Promise.race([p.exited, new Promise((r) => setTimeout(r, 30000))])
    await p.stop()
    assert.match(
      p.output(),
      /errors: [1-9]\d* first: org\.freedesktop\.DBus\.Error\.LimitsExceeded/
    )
  })
})
