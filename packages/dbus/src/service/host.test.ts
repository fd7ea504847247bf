/**
 * Service kit end to end on a real private dbus-daemon: a service process exports the
 * fixture interface; this process (root) and client processes running as uid 65534 call
 * it. Covers methods, typed proxies, errors (spec §1.4), caller UID/PID, ACL, read-only
 * properties, Set + PropertiesChanged, signals (broadcast and unicast), fds out of band
 * (spec §1.6) and as `h`, unknown object/interface/signature errors.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { closeSync, readSync } from 'node:fs'
import { DBusConnection } from '../bus.js'
import { Variant } from '../dbusnext.js'
import type { Variant as VariantT } from '../dbusnext.js'
import { DBusCallError, ErrorDomain, StdError, gdbusErrorName } from '../errors.js'
import { proxy } from '../proxy.js'
import { OPEN_POLICY, startPrivateBus } from '../testing/privatebus.js'
import type { PrivateBus } from '../testing/privatebus.js'
import { runTs } from '../testing/proc.js'
import type { Proc } from '../testing/proc.js'
import { TEST_NAME, TEST_PATH, testInterface } from '../testing/fixture.js'

const FIXTURE = 'packages/dbus/src/testing/fixture.ts'
const CLIENT = 'packages/dbus/src/testing/client.ts'
const NOBODY = 65534

async function clientAs(uid: number, action: string, bus: PrivateBus): Promise<unknown> {
  const p = await runTs(CLIENT, [action], { env: bus.env, uid })
  const code = await Promise.race([
    p.exited,
    new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20000)),
  ])
  if (code === 'timeout') await p.stop()
  const line = p.output().trim().split('\n').pop() ?? ''
  return JSON.parse(line)
}

void describe('service kit on a private bus', { timeout: 120_000 }, () => {
  let bus: PrivateBus
  let service: Proc
  let conn: DBusConnection

  before(async () => {
    bus = await startPrivateBus({ policy: OPEN_POLICY })
    service = await runTs(FIXTURE, ['service'], { env: bus.env, waitFor: /READY/ })
    conn = await DBusConnection.connect({ address: bus.address, callTimeoutMs: 5000 })
  })
  after(async () => {
    await conn?.close()
    await service?.stop()
    await bus?.stop()
  })

  const p = () => proxy(conn, TEST_NAME, TEST_PATH, testInterface)

  void test('typed methods: single and multiple outs, 64-bit values', async () => {
    assert.equal(await p().Echo('hello'), 'hello')
    assert.deepEqual(await p().Add(2, 2n ** 63n), [2n ** 63n + 2n, 'ok'])
  })

  void test('ServiceError maps to the GDBus++ error name and message (spec §1.4)', async () => {
    const err = await p()
      .Fail(ErrorDomain.READY, 'Missing user credentials')
      .catch((e: unknown) => e)
    assert.ok(err instanceof DBusCallError)
    assert.equal(
      err.errorName,
      'org.gtk.GDBus.UnmappedGError.Quark._net_2eopenvpn_2ev3_2eerror_2eready.Code36'
    )
    assert.equal(
      err.wireMessage,
      'GDBus.Error:net.openvpn.v3.error.ready: Missing user credentials'
    )
    assert.equal(err.domain, ErrorDomain.READY)
    assert.equal(err.text, 'Missing user credentials')
  })

  void test('a plain Error in a handler becomes net.openvpn.gdbuspp.request; service survives', async () => {
    const err = await p()
      .Crash()
      .catch((e: unknown) => e)
    assert.ok(err instanceof DBusCallError)
    assert.equal(err.errorName, gdbusErrorName(ErrorDomain.REQUEST))
    assert.equal(err.text, 'boom')
    assert.equal(await p().Echo('still alive'), 'still alive')
  })

  void test('caller UID and PID come from the bus daemon', async () => {
    const [uid, pid, sender] = await p().WhoAmI()
    assert.equal(uid, 0)
    assert.equal(pid, process.pid)
    assert.equal(sender, conn.uniqueName)
    const r = (await clientAs(NOBODY, 'whoami', bus)) as { ok: boolean; value: unknown[] }
    assert.equal(r.ok, true)
    assert.equal(r.value[0], NOBODY)
  })

  void test('ACL: method denied to uid 65534 with the rejection text, allowed to root', async () => {
    assert.equal(await p().RootOnly(), true)
    const r = (await clientAs(NOBODY, 'rootonly', bus)) as { errorName: string; text: string }
    assert.equal(r.errorName, gdbusErrorName(ErrorDomain.GDBUSPP))
    assert.equal(r.text, 'Access denied: root only')
    const g = (await clientAs(NOBODY, 'secret', bus)) as { errorName: string; text: string }
    assert.equal(g.errorName, StdError.AccessDenied)
    assert.equal(g.text, 'Access denied: root only')
    assert.equal(await p().$get('secret'), 'only-root')
  })

  void test('read-only property cannot be changed by Set from another process', async () => {
    const r = (await clientAs(NOBODY, 'set-version', bus)) as { ok: boolean; errorName: string }
    assert.equal(r.ok, false)
    assert.equal(r.errorName, StdError.InvalidArgs)
    // root gets the same answer
    const err = await conn
      .call({
        destination: TEST_NAME,
        path: TEST_PATH,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'Set',
        signature: 'ssv',
        body: [testInterface.name, 'version', new Variant('s', 'hacked')],
      })
      .catch((e: unknown) => e)
    assert.ok(err instanceof DBusCallError)
    assert.equal(await p().$get('version'), 'v27')
  })

  void test('writable property: Set checks type, ACL and value, emits PropertiesChanged', async () => {
    const changes: unknown[] = []
    const off = await conn.signals.subscribe(
      {
        path: TEST_PATH,
        interface: 'org.freedesktop.DBus.Properties',
        member: 'PropertiesChanged',
      },
      (msg) => changes.push(msg.body)
    )
    try {
      await p().$set('level', 5)
      assert.equal(await p().$get('level'), 5)
      const tooHigh = await p()
        .$set('level', 9)
        .catch((e: unknown) => e)
      assert.ok(tooHigh instanceof DBusCallError)
      assert.equal(tooHigh.errorName, StdError.Failed)
      assert.equal(tooHigh.text, 'Invalid log level')
      const wrongType = await conn
        .call({
          destination: TEST_NAME,
          path: TEST_PATH,
          interface: 'org.freedesktop.DBus.Properties',
          member: 'Set',
          signature: 'ssv',
          body: [testInterface.name, 'level', new Variant('s', '5')],
        })
        .catch((e: unknown) => e)
      assert.ok(wrongType instanceof DBusCallError)
      assert.equal(wrongType.errorName, StdError.InvalidArgs)
      const denied = (await clientAs(NOBODY, 'set-level', bus)) as { errorName: string }
      assert.equal(denied.errorName, StdError.AccessDenied)
      assert.equal(await p().$get('level'), 5)
      await new Promise((r) => setTimeout(r, 100))
      assert.equal(changes.length, 1)
      const [iface, changed] = changes[0] as [string, Record<string, VariantT>]
      assert.equal(iface, testInterface.name)
      assert.equal(changed['level']?.value, 5)
    } finally {
      await off()
    }
  })

  void test('GetAll and declared-vs-sent property types (valueType)', async () => {
    const all = await p().$getAll()
    assert.equal(all['version'], 'v27')
    assert.deepEqual(all['names'], ['a', 'b'])
    assert.deepEqual(await p().$get('names'), ['a', 'b'])
  })

  void test('signals: broadcast and unicast copy, typed $on', async () => {
    const got: [number, string][] = []
    const off = await p().$on('Said', (n, text) => got.push([n, text]))
    try {
      await p().Shout('hi')
      const deadline = Date.now() + 3000
      while (got.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      assert.equal(got.length, 2)
      assert.deepEqual(got[0]?.[1], 'hi')
      assert.deepEqual(got[1]?.[1], 'to you: hi')
    } finally {
      await off()
    }
  })

  void test('fd out of band: reply carries an fd with no h in the signature (spec §1.6)', async () => {
    const r = await p().GetFd('tun-fd-stand-in')
    assert.equal(r.fds.length, 1)
    const fd = r.fds[0] as number
    const buf = Buffer.alloc(64)
    const n = readSync(fd, buf, 0, 64, 0)
    closeSync(fd)
    assert.equal(buf.subarray(0, n).toString(), 'tun-fd-stand-in')
    // and in a separate client process (as uid 65534)
    const c = (await clientAs(NOBODY, 'getfd', bus)) as { ok: boolean; value: string }
    assert.deepEqual(c, { ok: true, value: 'from-service' })
  })

  void test('fds stay with their own replies when calls and signals interleave', async () => {
    const off = await p().$on('Said', () => undefined)
    try {
      const texts = Array.from({ length: 24 }, (_, i) => `fd-${i}`)
      const results = await Promise.all(
        texts.flatMap((t) => [
          p().GetFd(t),
          p()
            .Shout(t)
            .then(() => undefined),
        ])
      )
      const got: string[] = []
      for (const r of results) {
        if (!r) continue
        assert.equal(r.fds.length, 1)
        const fd = r.fds[0] as number
        const buf = Buffer.alloc(64)
        const n = readSync(fd, buf, 0, 64, 0)
        closeSync(fd)
        got.push(buf.subarray(0, n).toString())
      }
      assert.deepEqual(got, texts)
    } finally {
      await off()
    }
  })

  void test('fd as h works both ways', async () => {
    const fd = await p().GetFdH('via-h')
    const buf = Buffer.alloc(64)
    const n = readSync(fd, buf, 0, 64, 0)
    closeSync(fd)
    assert.equal(buf.subarray(0, n).toString(), 'via-h')
  })

  void test('fd sent with a call outside the body reaches the handler (ProtectSocket style)', async () => {
    const r = await p().GetFd('round-trip')
    const fd = r.fds[0] as number
    const back = await p().$call('ReadFd', [], { fds: [fd], closeFdsAfterSend: true })
    assert.equal(back.value, 'round-trip')
  })

  void test('unknown object, interface, method and wrong signature get glib-style errors', async () => {
    const call = (
      path: string,
      iface: string,
      member: string,
      signature = '',
      body: unknown[] = []
    ) =>
      conn.call({ destination: TEST_NAME, path, interface: iface, member, signature, body }).then(
        () => assert.fail(`${member} should have failed`),
        (e: unknown) => e as DBusCallError
      )
    const e1 = await call('/net/openvpn/v3/nothing', testInterface.name, 'Echo', 's', ['x'])
    assert.equal(e1.errorName, StdError.UnknownObject)
    assert.equal(e1.text, 'Object does not exist at path “/net/openvpn/v3/nothing”')
    const e2 = await call(TEST_PATH, 'net.openvpn.v3.other', 'Echo', 's', ['x'])
    assert.equal(e2.errorName, StdError.UnknownMethod)
    assert.match(e2.text, /^No such interface “net\.openvpn\.v3\.other” on object at path /)
    const e3 = await call(TEST_PATH, testInterface.name, 'Nope')
    assert.equal(e3.errorName, StdError.UnknownMethod)
    const e4 = await call(TEST_PATH, testInterface.name, 'Echo', 'u', [1])
    assert.equal(e4.errorName, StdError.InvalidArgs)
    // the probe clients use: Peer.Ping on / and GetAll on the main path
    await conn.call({
      destination: TEST_NAME,
      path: '/',
      interface: 'org.freedesktop.DBus.Peer',
      member: 'Ping',
    })
  })

  void test('Introspect answers with XML generated from the declaration', async () => {
    const r = await conn.call({
      destination: TEST_NAME,
      path: TEST_PATH,
      interface: 'org.freedesktop.DBus.Introspectable',
      member: 'Introspect',
    })
    const xml = r.body[0] as string
    assert.match(xml, /<method name="Add">\s*<arg type="u" name="a" direction="in"\/>/)
    assert.match(xml, /<property type="s" name="version" access="read"\/>/)
    const parent = await conn.call({
      destination: TEST_NAME,
      path: '/net/openvpn/v3',
      interface: 'org.freedesktop.DBus.Introspectable',
      member: 'Introspect',
    })
    assert.match(parent.body[0] as string, /<node name="kittest"\/>/)
  })

  void test('call timeout: a call to a name that never answers fails within its timeout', async () => {
    // the daemon itself answers; use a dead unique name via NO_AUTO_START on a queued
    // service: a method on our own connection that we never reply to
    const silent = await DBusConnection.connect({ address: bus.address })
    try {
      silent.raw.addMethodHandler(() => true) // swallow every call, never reply
      const t0 = Date.now()
      const err = await conn
        .call({
          destination: silent.uniqueName,
          path: '/x',
          interface: 'net.openvpn.v3.x',
          member: 'Y',
          timeoutMs: 300,
        })
        .then(
          () => assert.fail('call should time out'),
          (e: unknown) => e as Error
        )
      assert.equal(err.name, 'DBusTimeoutError')
      assert.ok(Date.now() - t0 < 2000)
    } finally {
      await silent.close()
    }
  })
})
