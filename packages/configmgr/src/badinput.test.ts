/**
 * Hostile input over the bus (spec dbus-api.md §3.1 limits): random bytes, a 10 MB profile,
 * wrong argument and variant types, unknown override names, a huge ACL. Each gets a clear
 * error and the service keeps answering.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { MAX_ACL } from './config-object.js'
import {
  GDBUSPP,
  MANAGER,
  REQUEST,
  RemoteClient,
  startServiceEnv,
  type Reply,
  type ServiceEnv,
} from './testing/harness.js'
import { validProfile } from './testing/profiles.js'

function ok(r: Reply): unknown {
  assert.equal(r.ok, true, `expected success, got ${r.errorName}: ${r.message}`)
  return r.value
}
function fails(r: Reply, name: string, message: RegExp): void {
  assert.equal(r.ok, false, 'expected an error')
  assert.equal(r.errorName, name, r.message)
  assert.match(r.message ?? '', message)
}

void describe('configmgr bad input', { timeout: 180_000 }, () => {
  let env: ServiceEnv
  let owner: RemoteClient
  before(async () => {
    env = await startServiceEnv()
    await env.startService()
    owner = await RemoteClient.start(env.bus, env.users.test)
  })
  after(async () => {
    await owner?.stop()
    await env?.close()
  })
  const alive = async () => assert.match(String(ok(await owner.get(MANAGER, 'version'))), /^v/)

  void test('random bytes are refused with the problems listed', async () => {
    for (let i = 0; i < 5; i++) {
      // D-Bus strings cannot carry NUL; every other byte value is fair game
      const junk = randomBytes(4096).toString('latin1').replace(/\0/g, '\x01')
      const r = await owner.call(MANAGER, 'Import', 'ssbb', ['junk', junk, false, false])
      fails(
        r,
        REQUEST,
        /^GDBus\.Error:net\.openvpn\.gdbuspp\.request: Invalid configuration profile: /
      )
    }
    await alive()
  })

  void test('a 10 MB profile is refused as too large', async () => {
    const big = (await validProfile()) + `# ${'x'.repeat(500)}\n`.repeat(20_000)
    assert.ok(big.length > 10_000_000)
    const t0 = Date.now()
    const r = await owner.request(
      {
        op: 'call',
        path: MANAGER,
        member: 'Import',
        signature: 'ssbb',
        body: ['big', big, false, true],
        timeoutMs: 60_000,
      },
      70_000
    )
    fails(r, REQUEST, /profile is too large: \d+ bytes, the limit is 262144 bytes/)
    assert.ok(Date.now() - t0 < 30_000)
    assert.deepEqual(ok(await owner.call(MANAGER, 'LookupConfigName', 's', ['big'])), [])
    await alive()
  })

  void test('wrong argument and variant types, unknown overrides', async () => {
    const p = await owner.import('types', await validProfile())
    fails(
      await owner.call(MANAGER, 'Import', 'ss', ['a', 'b']),
      'org.freedesktop.DBus.Error.InvalidArgs',
      /does not match expected type/
    )
    fails(
      await owner.call(MANAGER, 'Import', 'ssuu', ['a', 'b', 1, 1]),
      'org.freedesktop.DBus.Error.InvalidArgs',
      /“\(ssbb\)”/
    )
    fails(
      await owner.call(p, 'AccessGrant', 's', ['1000']),
      'org.freedesktop.DBus.Error.InvalidArgs',
      /“\(u\)”/
    )
    fails(
      await owner.call(p, 'SetOverride', 'ss', ['persist-tun', 'true']),
      'org.freedesktop.DBus.Error.InvalidArgs',
      /“\(sv\)”/
    )
    fails(
      await owner.call(p, 'SetOverride', 'sv', ['persist-tun', { $variant: ['as', ['a']] }]),
      GDBUSPP,
      /Unsupported override data type: as/
    )
    fails(
      await owner.call(p, 'SetOverride', 'sv', ['', { $variant: ['s', 'x'] }]),
      GDBUSPP,
      /Invalid override key ''/
    )
    fails(
      await owner.call(p, 'SetOverride', 'sv', ['x'.repeat(10_000), { $variant: ['b', true] }]),
      GDBUSPP,
      /Invalid override key/
    )
    fails(
      await owner.call(p, 'UnsetOverride', 's', ['no-such']),
      GDBUSPP,
      /Override 'no-such' has not been set/
    )
    fails(
      await owner.set(p, 'name', 'u', 5),
      'org.freedesktop.DBus.Error.InvalidArgs',
      /Expected type “s”/
    )
    fails(
      // not in the bus policy: the daemon refuses it before it reaches the service
      await owner.call(p, 'NoSuchMethod'),
      'org.freedesktop.DBus.Error.AccessDenied',
      /Rejected send message/
    )
    await alive()
  })

  void test(`a huge ACL: ${MAX_ACL} grants work, the next one is refused clearly`, async () => {
    const p = await owner.import('acl', await validProfile())
    const batch = 64
    for (let i = 0; i < MAX_ACL; i += batch) {
      const rs = await Promise.all(
        Array.from({ length: batch }, (_, j) =>
          owner.call(p, 'AccessGrant', 'u', [100_000 + i + j])
        )
      )
      for (const r of rs) ok(r)
    }
    fails(
      await owner.call(p, 'AccessGrant', 'u', [1]),
      GDBUSPP,
      /Access list is full \(at most 1024 UIDs\)/
    )
    const acl = ok(await owner.get(p, 'acl')) as number[]
    assert.equal(acl.length, MAX_ACL)
    ok(await owner.call(p, 'AccessRevoke', 'u', [100_000]))
    ok(await owner.call(p, 'AccessGrant', 'u', [1]))
    await alive()
  })
})
