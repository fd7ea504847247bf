/**
 * The resolv.conf back-end on a file of the test's own (never /etc/resolv.conf): the backup is
 * taken on first write, the generated file lists VPN then system settings, and the original
 * comes back byte for byte when the last link goes, at close, and at recovery after a crash.
 */
import { test, describe, beforeEach, afterEach } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ResolvConfBackend, parseResolvConf } from './resolv-conf.js'
import { emptyDnsSettings, type DnsSettings } from './dns.js'

const ORIGINAL =
  '# managed by the host\nnameserver 192.0.2.53\nsearch host.example\noptions edns0 trust-ad\n\n'

function settings(servers: string[], search: string[]): DnsSettings {
  return { ...emptyDnsSettings(), servers, search }
}

async function missing(path: string): Promise<boolean> {
  return access(path).then(
    () => false,
    () => true
  )
}

void describe('ResolvConfBackend', () => {
  let dir: string
  let path: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'netcfg-resolv-'))
    path = join(dir, 'resolv.conf')
    await writeFile(path, ORIGINAL)
  })
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  void test('writes VPN servers first, keeps system ones, restores byte for byte', async () => {
    const b = new ResolvConfBackend({ path, now: () => new Date(0) })
    await b.apply({ id: 'a' }, settings(['198.18.0.53', '2001:db8::53'], ['vpn.example']))
    const text = await readFile(path, 'utf8')
    assert.equal(await readFile(path + '.ovpn3bak', 'utf8'), ORIGINAL)
    const p = parseResolvConf(text)
    assert.deepEqual(p.servers, ['198.18.0.53', '2001:db8::53', '192.0.2.53'])
    assert.deepEqual(p.search, ['vpn.example', 'host.example'])
    assert.deepEqual(p.other, ['options edns0 trust-ad'])
    assert.match(text, /^# Last updated: 1970-01-01T00:00:00.000Z$/m)

    await b.apply({ id: 'b' }, settings(['198.18.1.53'], []))
    assert.deepEqual(parseResolvConf(await readFile(path, 'utf8')).servers.slice(0, 3), [
      '198.18.1.53', // newest first
      '198.18.0.53',
      '2001:db8::53',
    ])
    await b.revert({ id: 'a' })
    assert.notEqual(await readFile(path, 'utf8'), ORIGINAL)
    await b.revert({ id: 'b' })
    assert.equal(await readFile(path, 'utf8'), ORIGINAL)
    assert.ok(await missing(path + '.ovpn3bak'))
  })

  void test('close restores; empty settings do not touch the file', async () => {
    const b = new ResolvConfBackend({ path })
    await b.apply({ id: 'x' }, settings([], []))
    assert.ok(await missing(path + '.ovpn3bak'))
    await b.apply({ id: 'x' }, settings(['198.18.0.53'], []))
    await b.close()
    assert.equal(await readFile(path, 'utf8'), ORIGINAL)
  })

  void test('recover() puts back a backup left by a crashed run', async () => {
    const crashed = new ResolvConfBackend({ path })
    await crashed.apply({ id: 'x' }, settings(['198.18.0.53'], ['vpn.example']))
    // the process dies here; a new one starts
    const next = new ResolvConfBackend({ path })
    assert.equal(await next.recover(), true)
    assert.equal(await readFile(path, 'utf8'), ORIGINAL)
    assert.equal(await next.recover(), false)
  })

  void test('a missing original file is removed again at the end', async () => {
    await rm(path)
    const b = new ResolvConfBackend({ path })
    await b.apply({ id: 'x' }, settings(['198.18.0.53'], []))
    assert.match(await readFile(path, 'utf8'), /nameserver 198\.18\.0\.53/)
    await b.revert({ id: 'x' })
    assert.ok(await missing(path))
  })
})
