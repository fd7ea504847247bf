/**
 * Tests of the private system-like bus: it starts, other UIDs can reach it, the default policy
 * denies owning names, included policy files punch holes, and stop() leaves nothing behind.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
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

async function tryOwn(
  bus: { address: string },
  name: string,
  uid?: number
): Promise<{ uid: string; result: string }> {
  const p = await startProcess({
    entry: FIXTURE,
    args: [name],
    bus,
    ...(uid === undefined ? {} : { uid }),
    waitForLine: /^(OWNED|DENIED|BUSERROR) .*$/m,
    timeoutMs: 15_000,
  })
  try {
    const out = p.output()
    const uidLine = /^UID (\d+)/m.exec(out)?.[1] ?? '?'
    const result = /^(OWNED|DENIED|BUSERROR) (.*)$/m.exec(out)?.slice(1, 3).join(' ') ?? out
    return { uid: uidLine, result }
  } finally {
    await p.stop()
  }
}

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
      const denied = await tryOwn(bus, 'net.openvpn.v3.testkit.other', users.test.uid)
      assert.equal(denied.uid, String(users.test.uid))
      assert.equal(denied.result, 'DENIED org.freedesktop.DBus.Error.AccessDenied')

      const rootDenied = await tryOwn(bus, 'net.openvpn.v3.testkit.other')
      assert.equal(rootDenied.uid, '0')
      assert.equal(rootDenied.result, 'DENIED org.freedesktop.DBus.Error.AccessDenied')

      const granted = await tryOwn(bus, 'net.openvpn.v3.testkit.granted', users.test.uid)
      assert.equal(granted.result, 'OWNED net.openvpn.v3.testkit.granted')
    } finally {
      await bus.stop()
      rmSync(policyDir, { recursive: true, force: true })
    }
  })

  void test('generated dbus-policy: a non-root user cannot own net.openvpn.v3.* names', async (t) => {
    const files = existsSync(DEFAULT_POLICY_DIR)
      ? readdirSync(DEFAULT_POLICY_DIR).filter((f) => /^net\.openvpn\.v3\..+\.conf$/.test(f))
      : []
    if (files.length === 0) {
      t.skip(`no net.openvpn.v3.*.conf in ${DEFAULT_POLICY_DIR} yet (packages/dbus generates them)`)
      return
    }
    const users = testUsers()
    const bus = await startBus()
    try {
      for (const file of files) {
        const name = file.replace(/\.conf$/, '')
        const r = await tryOwn(bus, name, users.test.uid)
        assert.equal(r.result, 'DENIED org.freedesktop.DBus.Error.AccessDenied', `${name}`)
      }
    } finally {
      await bus.stop()
    }
  })
})
