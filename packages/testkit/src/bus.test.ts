/**
 * Tests of the private system-like bus: it starts, other UIDs can reach it, the default policy
 * denies owning names, included policy files punch holes, and stop() leaves nothing behind.
 */
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import * as dbus from 'dbus-next'
import { DEFAULT_POLICY_DIR, startBus } from './bus.js'
import { isAlive } from './cleanup.js'
import { startProcess } from './process.js'
import { testUsers } from './users.js'

const FIXTURE = 'packages/testkit/src/fixtures/request-name.ts'

/** Runs the fixture as `uid` and returns, per name, 'OWNED' or 'DENIED <error name>'. */
async function tryOwn(
  bus: { address: string },
  names: string[],
  uid?: number
): Promise<{ uid: string; results: Map<string, string> }> {
  const p = await startProcess({
    entry: FIXTURE,
    args: [names.join(',')],
    bus,
    ...(uid === undefined ? {} : { uid }),
    waitForLine: /^(DONE|BUSERROR .*)$/m,
    timeoutMs: 15_000,
  })
  try {
    const out = p.output()
    const results = new Map<string, string>()
    for (const m of out.matchAll(/^OWNED (\S+)$/gm)) results.set(m[1] ?? '', 'OWNED')
    for (const m of out.matchAll(/^DENIED (\S+) (\S+)$/gm))
      results.set(m[1] ?? '', `DENIED ${m[2]}`)
    return { uid: /^UID (\d+)/m.exec(out)?.[1] ?? '?', results }
  } finally {
    await p.stop()
  }
}

const ACCESS_DENIED = 'DENIED org.freedesktop.DBus.Error.AccessDenied'

void describe('startBus', () => {
  void test('starts a system-like bus reachable by other UIDs and stops cleanly', async () => {
    const bus = await startBus()
    try {
      assert.match(bus.address, /^unix:path=\/.+system_bus_socket/)
      assert.ok(isAlive(bus.pid), 'dbus-daemon runs')
      assert.equal(bus.env['DBUS_SYSTEM_BUS_ADDRESS'], bus.address)
      assert.equal(statSync(bus.dir).mode & 0o005, 0o005, 'socket dir is traversable by others')

      const conn = bus.connect()
      try {
        const reply = await conn.call(
          new dbus.Message({
            destination: 'org.freedesktop.DBus',
            path: '/org/freedesktop/DBus',
            interface: 'org.freedesktop.DBus',
            member: 'ListNames',
          })
        )
        assert.ok(Array.isArray(reply?.body[0]))
        assert.ok((reply?.body[0] as string[]).includes('org.freedesktop.DBus'))
      } finally {
        conn.disconnect()
      }
    } finally {
      await bus.stop()
    }
    assert.equal(isAlive(bus.pid), false, 'dbus-daemon is gone after stop()')
    assert.equal(existsSync(bus.dir), false, 'bus dir is removed after stop()')
    await bus.stop() // idempotent
  })

  void test('default policy denies owning names; an included policy file grants them', async (t) => {
    const users = testUsers()
    if (!users.complete)
      t.diagnostic('ovpn3-test user missing (run scripts/setup.sh); using nobody')
    const policyDir = mkdtempSync(join(tmpdir(), 'ovpn3-policy-'))
    writeFileSync(
      join(policyDir, 'testkit.conf'),
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <policy user="${users.test.name}"><allow own="net.openvpn.v3.testkit.granted"/></policy>
</busconfig>
`
    )
    const bus = await startBus({ policyDir })
    try {
      const asTest = await tryOwn(
        bus,
        ['net.openvpn.v3.testkit.other', 'net.openvpn.v3.testkit.granted'],
        users.test.uid
      )
      assert.equal(asTest.uid, String(users.test.uid))
      assert.equal(asTest.results.get('net.openvpn.v3.testkit.other'), ACCESS_DENIED)
      assert.equal(asTest.results.get('net.openvpn.v3.testkit.granted'), 'OWNED')

      const asRoot = await tryOwn(bus, ['net.openvpn.v3.testkit.other'])
      assert.equal(asRoot.uid, '0')
      assert.equal(asRoot.results.get('net.openvpn.v3.testkit.other'), ACCESS_DENIED)
    } finally {
      await bus.stop()
      rmSync(policyDir, { recursive: true, force: true })
    }
  })

  void test('generated dbus-policy: only openvpn/root may own the net.openvpn.v3.* names', async (t) => {
    const files = existsSync(DEFAULT_POLICY_DIR)
      ? readdirSync(DEFAULT_POLICY_DIR).filter((f) => /^net\.openvpn\.v3.*\.conf$/.test(f))
      : []
    // Every name (or prefix, tried with a PID-like suffix) some policy lets someone own.
    const names = new Set<string>()
    for (const f of files) {
      const xml = readFileSync(join(DEFAULT_POLICY_DIR, f), 'utf8')
      for (const m of xml.matchAll(/<allow\s+own="([^"]+)"/g)) if (m[1]) names.add(m[1])
      for (const m of xml.matchAll(/<allow\s+own_prefix="([^"]+)"/g)) {
        if (m[1]) names.add(`${m[1]}.be4242`)
      }
    }
    if (names.size === 0) {
      t.skip(`no net.openvpn.v3.*.conf granting names in ${DEFAULT_POLICY_DIR} yet`)
      return
    }
    const users = testUsers()
    const bus = await startBus()
    try {
      const list = [...names].sort()
      const asTest = await tryOwn(bus, list, users.test.uid)
      const asOpenvpn = await tryOwn(bus, list, users.openvpn.uid)
      for (const name of list) {
        assert.equal(asTest.results.get(name), ACCESS_DENIED, `ovpn3-test must not own ${name}`)
        assert.equal(asOpenvpn.results.get(name), 'OWNED', `openvpn may own ${name}`)
      }
      t.diagnostic(`checked ${names.size} names: ${[...names].sort().join(', ')}`)
    } finally {
      await bus.stop()
    }
  })
})
