/**
 * Known-answer tests (spec §21) and behaviour tests for crypto/: tls-auth, tls-crypt,
 * tls-crypt-v2 key files, TLS 1.0 PRF, AEAD/CBC data channel, replay windows.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createCipheriv, createDecipheriv, createHmac } from 'node:crypto'
import { TEST_PKT_STATIC_KEY } from '../testing/fixtures.js'
import { encodeLongPacketId } from '../wire/packet-id.js'
import {
  LongReplayWindow,
  ReplayWindow,
  TlsAuthWrap,
  TlsCryptV2Wrap,
  TlsCryptWrap,
  createDataCrypto,
  deriveDynamicTlsCryptKey,
  formatStaticKey,
  legacyKeyBlock,
  parseStaticKey,
  parseTlsCryptV2ClientKey,
  tls1Prf,
} from './index.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex')
const key = parseStaticKey(TEST_PKT_STATIC_KEY)

void describe('static key file', () => {
  void test('parses the upstream test key and round-trips', () => {
    assert.equal(key.length, 256)
    assert.deepEqual(key.subarray(0, 4), hex('37268ea8'))
    assert.deepEqual(parseStaticKey('# comment\n' + formatStaticKey(key)), key)
    assert.throws(() => parseStaticKey('nothing'), { name: 'KeyFileError' })
    assert.throws(() => parseStaticKey(TEST_PKT_STATIC_KEY.replace('37268e', '37x68e')), {
      name: 'KeyFileError',
    })
  })
})

void describe('tls-auth (KAT 2, upstream client_reset_v2_tls_auth)', () => {
  const wire = hex(
    '38 de694c5c7bfba274 93537c1ded4e781529ae7cfe4b8c6d6b2b51f05a 00000001 61d3bf6c 00 00000000'
  )
  void test('server direction 0 verifies the client reset', () => {
    const server = new TlsAuthWrap({ key, direction: 0 })
    assert.deepEqual(server.unwrap(wire), hex('38 de694c5c7bfba274 00 00000000'))
  })
  void test('client direction 1 produces the same bytes', () => {
    const client = new TlsAuthWrap({ key, direction: 1, nowSeconds: () => 0x61d3bf6c })
    assert.deepEqual(client.wrap(hex('38 de694c5c7bfba274 00 00000000')), wire)
  })
  void test('wrong direction, flipped byte and replay are rejected', () => {
    assert.throws(() => new TlsAuthWrap({ key, direction: 1 }).unwrap(wire), {
      name: 'AuthenticationTagError',
    })
    const bad = Buffer.from(wire)
    bad[20] = 0x23
    assert.throws(() => new TlsAuthWrap({ key, direction: 0 }).unwrap(bad), {
      name: 'AuthenticationTagError',
    })
    const server = new TlsAuthWrap({ key, direction: 0 })
    server.unwrap(wire)
    assert.throws(() => server.unwrap(wire), { name: 'ReplayError' })
  })
})

void describe('tls-crypt (KAT 3, upstream client_reset_v2_tls_crypt)', () => {
  const wire = hex(
    '38 f419cb12d1f9e48f 00000001 61d3f8e1' +
      '330206f56802be44fbed905064e3db43416bec5e526719462b7eb90c96defc9b 05c44879f7'
  )
  void test('server side decrypts to 0 acks, message id 0', () => {
    const server = new TlsCryptWrap({ key, role: 'server' })
    assert.deepEqual(server.unwrap(wire), hex('38 f419cb12d1f9e48f 00 00000000'))
  })
  void test('client wrap reproduces the packet', () => {
    const client = new TlsCryptWrap({ key })
    assert.deepEqual(
      client.wrapWithPacketId(hex('38 f419cb12d1f9e48f 00 00000000'), hex('00000001 61d3f8e1')),
      wire
    )
  })
  void test('every flipped byte is rejected', () => {
    for (let i = 0; i < wire.length; i++) {
      const bad = Buffer.from(wire)
      bad[i] = (bad[i] ?? 0) ^ 0x23
      assert.throws(() => new TlsCryptWrap({ key, role: 'server' }).unwrap(bad))
    }
  })
  void test('client/server round trip', () => {
    const c = new TlsCryptWrap({ key })
    const s = new TlsCryptWrap({ key, role: 'server' })
    const logical = hex('20 0102030405060708 01 00000000 1112131415161718 00000001 deadbeef')
    assert.deepEqual(s.unwrap(c.wrap(logical)), logical)
    assert.deepEqual(c.unwrap(s.wrap(logical)), logical)
  })
})

void describe('dynamic tls-crypt (KAT 7, upstream test_tls_crypt_secure_reneg_key)', () => {
  void test('R = 256 x 0xBA, client direction, replay id 1 time 0', () => {
    const r = deriveDynamicTlsCryptKey(Buffer.alloc(256, 0xba))
    const out = new TlsCryptWrap({ key: r }).seal(
      hex('00000001 00000000'),
      Buffer.from('1234567890')
    )
    assert.deepEqual(
      out,
      hex(
        '00000001 00000000 e319277f1c8d6e6a7796a855337b9cfb56e1f13a870e6647dfa195c92c17a015 ba4967a11d55ea1a06a7'
      )
    )
  })
  void test('XOR with the original key', () => {
    const r = deriveDynamicTlsCryptKey(Buffer.alloc(256, 0xff), Buffer.alloc(256, 0x0f))
    assert.deepEqual(r, Buffer.alloc(256, 0xf0))
  })
})

void describe('tls-crypt-v2 client key', () => {
  void test('parses a key made by openvpn --genkey and appends WKc to V3 resets', (t) => {
    let dir: string | undefined
    try {
      dir = mkdtempSync(join(tmpdir(), 'tcv2-'))
      try {
        execFileSync('openvpn', ['--genkey', 'tls-crypt-v2-server', join(dir, 's.key')], {
          stdio: 'ignore',
        })
        execFileSync(
          'openvpn',
          [
            '--tls-crypt-v2',
            join(dir, 's.key'),
            '--genkey',
            'tls-crypt-v2-client',
            join(dir, 'c.key'),
          ],
          { stdio: 'ignore' }
        )
      } catch {
        t.skip('openvpn binary not available')
        return
      }
      const k = parseTlsCryptV2ClientKey(readFileSync(join(dir, 'c.key'), 'utf8'))
      assert.equal(k.key.length, 256)
      assert.equal(k.wkc.readUInt16BE(k.wkc.length - 2), k.wkc.length)
      const w = new TlsCryptV2Wrap({ key: k.key }, k.wkc)
      const reset = w.wrap(hex('50 0102030405060708 00 00000000'))
      assert.equal(reset.length, 9 + 8 + 32 + 5 + k.wkc.length)
      assert.deepEqual(reset.subarray(9, 13), hex('0f000001'))
      assert.deepEqual(reset.subarray(reset.length - k.wkc.length), k.wkc)
      const ctl = w.wrap(hex('20 0102030405060708 00 00000001'))
      assert.equal(ctl.length, 9 + 8 + 32 + 5)
    } finally {
      if (dir) rmSync(dir, { recursive: true, force: true })
    }
  })
})

void describe('PRF (KAT 1, upstream crypto_test_tls_prf)', () => {
  void test('TLS 1.0 PRF', () => {
    const secret = Buffer.from(
      'Lorem ipsum dolor sit amet, consectetur adipisici elit, sed eiusmod tempor incidunt ut labore et dolore magna aliqua.'
    )
    const seed = Buffer.from('Quis aute iure reprehenderit in voluptate velit esse cillum dolore')
    assert.deepEqual(
      tls1Prf(secret, seed, 32),
      hex('d98c8518c85e946927916acfc2d592fbb1567e4b4b1459e6a904ac2ddab72d67')
    )
  })
  void test('legacy key block depends on every input', () => {
    const base = {
      preMaster: Buffer.alloc(48, 1),
      clientRandom1: Buffer.alloc(32, 2),
      clientRandom2: Buffer.alloc(32, 3),
      serverRandom1: Buffer.alloc(32, 4),
      serverRandom2: Buffer.alloc(32, 5),
      clientSessionId: Buffer.alloc(8, 6),
      serverSessionId: Buffer.alloc(8, 7),
    }
    const k = legacyKeyBlock(base)
    assert.equal(k.length, 256)
    assert.notDeepEqual(legacyKeyBlock({ ...base, serverSessionId: Buffer.alloc(8, 8) }), k)
  })
})

void describe('data channel', () => {
  const key2 = Buffer.alloc(256)
  const pattern = Buffer.from('abcdefgh01234567ABCDEFGHjkuchenl')
  for (let i = 0; i < 256; i++) key2[i] = (pattern[i % 32] ?? 0) ^ i
  const plaintext = Buffer.from('The quick little fox jumps over the bureaucratic hurdles')

  void test('KAT 8: AES-256-GCM classic format (upstream test_ssl.c)', () => {
    const c = createDataCrypto({ cipher: 'AES-256-GCM', keyBlock: key2 })
    const pkt = c.seal(hex('07000017'), 1, plaintext)
    const body = pkt.subarray(4)
    assert.deepEqual(body.subarray(0, 4), hex('00000001'))
    assert.deepEqual(body.subarray(4, 20), hex('1fdd908f0e9dc25e79d832020d58e73f'))
    assert.deepEqual(body.subarray(30, 36), hex('a82e6b1706d9'))
    assert.equal(pkt.length, 4 + 4 + 16 + plaintext.length)
  })

  for (const cipher of [
    'AES-128-GCM',
    'AES-256-GCM',
    'CHACHA20-POLY1305',
    'AES-256-CBC',
    'AES-128-CBC',
  ]) {
    void test(`${cipher}: client ↔ server round trip, V1 and V2 headers, tamper detection`, () => {
      const client = createDataCrypto({ cipher, keyBlock: key2, digest: 'SHA256' })
      const server = createDataCrypto({ cipher, keyBlock: key2, digest: 'SHA256', role: 'server' })
      for (const header of [hex('48000001'), hex('30')]) {
        const pkt = client.seal(header, 7, plaintext)
        const opened = server.open(pkt, header.length)
        assert.equal(opened.packetId, 7)
        assert.deepEqual(opened.payload, plaintext)
        const back = server.seal(header, 9, plaintext)
        assert.deepEqual(client.open(back, header.length).payload, plaintext)
        const bad = Buffer.from(pkt)
        bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 1
        assert.throws(() => server.open(bad, header.length), { name: 'AuthenticationTagError' })
        // the same key must not decrypt its own direction
        assert.throws(() => client.open(pkt, header.length))
      }
    })
  }

  void test('CBC layout matches an independent decryption; padding checked for every length', () => {
    const client = createDataCrypto({ cipher: 'AES-256-CBC', keyBlock: key2, digest: 'SHA1' })
    const server = createDataCrypto({
      cipher: 'AES-256-CBC',
      keyBlock: key2,
      digest: 'SHA1',
      role: 'server',
    })
    const header = hex('48000001')
    const encKey = key2.subarray(0, 32)
    const macKey = key2.subarray(64, 84)
    const ivs = new Set<string>()
    for (let len = 0; len <= 40; len++) {
      const payload = Buffer.alloc(len, len)
      const pkt = client.seal(header, 1000 + len, payload)
      const mac = pkt.subarray(4, 24)
      const iv = pkt.subarray(24, 40)
      ivs.add(iv.toString('hex'))
      assert.deepEqual(createHmac('sha1', macKey).update(pkt.subarray(24)).digest(), mac)
      const d = createDecipheriv('aes-256-cbc', encKey, iv)
      const pt = Buffer.concat([d.update(pkt.subarray(40)), d.final()])
      assert.equal(pt.readUInt32BE(0), 1000 + len)
      assert.deepEqual(pt.subarray(4), payload)
      const opened = server.open(pkt, 4)
      assert.equal(opened.packetId, 1000 + len)
      assert.deepEqual(opened.payload, payload)
    }
    assert.equal(ivs.size, 41)
    // Bad padding under a valid HMAC (forged with the key) is still rejected.
    const iv = Buffer.alloc(16, 9)
    const c = createCipheriv('aes-256-cbc', encKey, iv)
    c.setAutoPadding(false)
    const padded = Buffer.alloc(32, 5)
    padded[31] = 3 // claims 3 bytes of padding, but the two before it are 5
    const ct = Buffer.concat([c.update(padded), c.final()])
    const mac = createHmac('sha1', macKey).update(iv).update(ct).digest()
    const forged = Buffer.concat([header, mac, iv, ct])
    assert.throws(() => server.open(forged, 4), { name: 'AuthenticationTagError' })
    const shortMac = createHmac('sha1', macKey).update(iv).update(ct.subarray(0, 20)).digest()
    const ragged = Buffer.concat([header, shortMac, iv, ct.subarray(0, 20)])
    assert.throws(() => server.open(ragged, 4), { name: 'AuthenticationTagError' })
  })

  void test('AEAD with P_DATA_V2 authenticates the peer id', () => {
    const client = createDataCrypto({ cipher: 'AES-256-GCM', keyBlock: key2 })
    const server = createDataCrypto({ cipher: 'AES-256-GCM', keyBlock: key2, role: 'server' })
    const pkt = client.seal(hex('48000001'), 1, plaintext)
    pkt[3] = 2
    assert.throws(() => server.open(pkt, 4), { name: 'AuthenticationTagError' })
  })

  void test('rejects unknown ciphers', () => {
    assert.throws(() => createDataCrypto({ cipher: 'BF-CBC', keyBlock: key2 }), {
      name: 'UnsupportedCipherError',
    })
  })
})

void describe('replay windows', () => {
  void test('short window: zero, duplicates, old, out of order', () => {
    const w = new ReplayWindow(64)
    assert.ok(!w.accept(0))
    assert.ok(w.accept(1))
    assert.ok(!w.accept(1))
    assert.ok(w.accept(100))
    assert.ok(w.accept(50))
    assert.ok(!w.accept(50))
    assert.ok(!w.accept(36))
    assert.ok(w.accept(37))
    assert.ok(w.accept(1000))
    assert.ok(!w.accept(100))
  })
  void test('long window restarts on a later time and rejects an earlier one', () => {
    const w = new LongReplayWindow()
    assert.ok(w.check(1, 10))
    w.update(1, 10)
    assert.ok(!w.check(1, 10))
    assert.ok(w.check(2, 10))
    assert.ok(w.check(1, 11))
    w.update(1, 11)
    assert.ok(!w.check(5, 10))
    assert.deepEqual(encodeLongPacketId({ id: 1, time: 11 }), hex('00000001 0000000b'))
  })
})
