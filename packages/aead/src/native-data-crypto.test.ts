/**
 * The native AEAD against the node:crypto implementation of @openvpn3-ts/protocol (spec §13.2):
 * byte-for-byte equal output, known answers, tampering, truncation, fuzzed input, misuse of the
 * raw contexts, and no fd/memory growth over many contexts.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes, randomInt } from 'node:crypto'
import { readdirSync } from 'node:fs'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import {
  AuthenticationTagError,
  TruncatedPacketError,
  cipherInfo,
  createDataCrypto,
  sliceKeyBlock,
} from '@openvpn3-ts/protocol'
import { NativeAeadCrypto, createNativeDataCrypto } from './native-data-crypto.js'
import { NativeCipherId, loadAeadAddon } from './native.js'
import { loadNativeDataCrypto } from './load.js'

const CIPHERS = Object.keys(NativeCipherId)
const V2 = Buffer.from([0x48, 0x00, 0x00, 0x05]) // P_DATA_V2, key id 0, peer id 5
const V1 = Buffer.from([0x31]) // P_DATA_V1, key id 1
const HEADERS = [
  { name: 'P_DATA_V2', header: V2 },
  { name: 'P_DATA_V1', header: V1 },
]

function pair(cipher: string, keyBlock = randomBytes(256)) {
  return {
    nativeClient: createNativeDataCrypto({ cipher, keyBlock }),
    nativeServer: createNativeDataCrypto({ cipher, keyBlock, role: 'server' }),
    nodeClient: createDataCrypto({ cipher, keyBlock }),
    nodeServer: createDataCrypto({ cipher, keyBlock, role: 'server' }),
  }
}

void describe('native AEAD vs node:crypto', () => {
  for (const cipher of CIPHERS) {
    for (const { name, header } of HEADERS) {
      void test(`${cipher} ${name}: identical packets, both directions, sizes 0..1600`, () => {
        const p = pair(cipher)
        assert.ok(p.nativeClient instanceof NativeAeadCrypto)
        const sizes = [0, 1, 15, 16, 17, 1400, 1600]
        for (let i = 0; i < 150; i++) sizes.push(randomInt(0, 1601))
        for (const size of sizes) {
          const payload = randomBytes(size)
          const pid = randomInt(0, 2 ** 32)
          const a = p.nativeClient.seal(header, pid, payload)
          const b = p.nodeClient.seal(header, pid, payload)
          assert.ok(a.equals(b), `client seal differs at size ${size}`)
          const opened = p.nodeServer.open(a, header.length)
          assert.equal(opened.packetId, pid)
          assert.ok(opened.payload.equals(payload))

          const c = p.nativeServer.seal(header, pid, payload)
          assert.ok(c.equals(p.nodeServer.seal(header, pid, payload)), 'server seal differs')
          const back = p.nativeClient.open(c, header.length)
          assert.equal(back.packetId, pid)
          assert.ok(back.payload.equals(payload))
        }
      })
    }
  }

  void test('CBC ciphers are handed to node:crypto', () => {
    const c = createNativeDataCrypto({ cipher: 'AES-256-CBC', keyBlock: randomBytes(256) })
    assert.ok(!(c instanceof NativeAeadCrypto))
    assert.equal(c.cipher.name, 'AES-256-CBC')
  })
})

void describe('known answers', () => {
  // key block byte i = (7i + 3) mod 256, client role, payload bytes 0..39. Expected packets were
  // computed with Python `cryptography` (AESGCM / ChaCha20Poly1305), building nonce and AAD by hand.
  const keyBlock = Buffer.alloc(256)
  for (let i = 0; i < 256; i++) keyBlock[i] = (i * 7 + 3) & 0xff
  const payload = Buffer.from(Array.from({ length: 40 }, (_, i) => i))
  const VECTORS: [string, string, number, string][] = [
    [
      'AES-128-GCM',
      '48000005',
      1,
      '48000005000000010b1028dbd8ad8ec8c95a46fa50aa6a337f47e83d7f08e9e088667cccd43be19b88f17f95c517fafbfe01b8d63894b8da127770422d0a9218',
    ],
    [
      'AES-128-GCM',
      '30',
      0xdeadbeef,
      '30deadbeefbf6b77bc9152b317381a64f1ef585334243386a8d87607ba377fbd346d6322302fe9038d0a3c9f4534fb82349e9d8ce540cf7357e9bce0da',
    ],
    [
      'AES-192-GCM',
      '48000005',
      1,
      '4800000500000001861b471faa53277b176062e584c0c2d5d8e5cd715aaf81ba46a87bdfde364517225d138c05a7a7626795fbcd6f2ec47df8995462a72a1c14',
    ],
    [
      'AES-192-GCM',
      '30',
      0xdeadbeef,
      '30deadbeefabeee5ff6df300e1f9136090f07f534a4a98b350502d936d902b0217a89d7dcb6de0e30eb3140ccd43bf4661d3b4da74c4bda3f1abce4e89',
    ],
    [
      'AES-256-GCM',
      '48000005',
      1,
      '4800000500000001d6ad7221989f16f9b9d615762a2857ceef5b4f0192224c2f1e25a53e22c96f614d56df0dc9d657efa7808448bb063d1e642ec643be525708',
    ],
    [
      'AES-256-GCM',
      '30',
      0xdeadbeef,
      '30deadbeef1744cb26166e8f20c90f7168fbcd573b748fe6ebb9e1028c45f39e9570a9a26f60f058db04b5d6d088f1e77c0fbfee08de4bf8eed1011163',
    ],
    [
      'CHACHA20-POLY1305',
      '48000005',
      1,
      '4800000500000001cadf20ef2ee363164ee6fe0833a845e119de882d5b03098617b1629e42a53a7a40797808b00484445d1cab51f53df20c4f3a9f10414bcce9',
    ],
    [
      'CHACHA20-POLY1305',
      '30',
      0xdeadbeef,
      '30deadbeef9989e8c146061e15390cdf59e328239bbc134cc51882c8a6aa37e4a36ea4d175e6c2081bbbf287fef951a1c16253fda842021990db11a0aa',
    ],
  ]
  for (const [cipher, headerHex, pid, expectHex] of VECTORS) {
    void test(`${cipher} header ${headerHex} packet id ${pid}`, () => {
      const header = Buffer.from(headerHex, 'hex')
      const client = createNativeDataCrypto({ cipher, keyBlock })
      assert.equal(client.seal(header, pid, payload).toString('hex'), expectHex)
      const server = createNativeDataCrypto({ cipher, keyBlock, role: 'server' })
      const opened = server.open(Buffer.from(expectHex, 'hex'), header.length)
      assert.equal(opened.packetId, pid)
      assert.ok(opened.payload.equals(payload))
    })
  }
})

void describe('hostile input', () => {
  for (const cipher of CIPHERS) {
    void test(`${cipher}: every flipped bit of AAD, tag or ciphertext fails authentication`, () => {
      const p = pair(cipher)
      for (const { header } of HEADERS) {
        const sealed = p.nodeServer.seal(header, 77, randomBytes(64))
        // V1: the header is outside the AAD (as in OpenVPN), so only V2 covers it.
        const from = header.length === 4 ? 0 : header.length
        for (let at = from; at < sealed.length; at++) {
          const bad = Buffer.from(sealed)
          bad[at] = (bad[at] ?? 0) ^ (1 << randomInt(0, 8))
          assert.throws(() => p.nativeClient.open(bad, header.length), AuthenticationTagError)
          // node:crypto agrees
          assert.throws(() => p.nodeClient.open(bad, header.length), AuthenticationTagError)
        }
        if (header.length === 1) {
          const other = Buffer.from(sealed)
          other[0] = 0x32 // key id outside the AAD: still authentic, as with node:crypto
          assert.equal(p.nativeClient.open(other, 1).packetId, 77)
        }
        assert.equal(p.nativeClient.open(sealed, header.length).packetId, 77)
      }
    })

    void test(`${cipher}: truncated packets raise TruncatedPacketError`, () => {
      const p = pair(cipher)
      const sealed = p.nodeServer.seal(V2, 3, randomBytes(100))
      for (let len = 0; len < V2.length + 20; len++) {
        assert.throws(() => p.nativeClient.open(sealed.subarray(0, len), 4), TruncatedPacketError)
      }
      // Cut inside the ciphertext: the tag no longer matches.
      for (const len of [24, 25, 60, sealed.length - 1]) {
        assert.throws(() => p.nativeClient.open(sealed.subarray(0, len), 4), AuthenticationTagError)
      }
      // A header length beyond the packet
      assert.throws(() => p.nativeClient.open(sealed, sealed.length), TruncatedPacketError)
    })
  }

  void test('fuzz: random buffers never open and never crash (bounded)', () => {
    const crypto = CIPHERS.map((c) => pair(c).nativeClient)
    const until = performance.now() + 1500
    let n = 0
    while (performance.now() < until && n < 200_000) {
      const c = crypto[n % crypto.length]
      assert.ok(c)
      const buf = randomBytes(randomInt(0, 1700))
      const hl = randomInt(0, 2) === 0 ? 4 : 1
      try {
        c.open(buf, hl)
        assert.fail('a random buffer opened')
      } catch (err) {
        assert.ok(
          err instanceof AuthenticationTagError || err instanceof TruncatedPacketError,
          String(err)
        )
      }
      n++
    }
    assert.ok(n > 1000, `only ${n} iterations`)
  })
})

void describe('raw contexts', () => {
  const addon = loadAeadAddon()
  const key = randomBytes(32)
  const iv = randomBytes(8)

  void test('wrong arguments throw instead of crashing', () => {
    assert.throws(() => new addon.Context(9, key, iv, true), RangeError)
    assert.throws(() => new addon.Context(2, key.subarray(0, 16), iv, true), RangeError)
    assert.throws(() => new addon.Context(2, key, iv.subarray(0, 7), true), RangeError)
    const bad = [1, 'x', {}] as unknown[] as Uint8Array[]
    assert.throws(() => new addon.Context(2, bad[0] as Uint8Array, iv, true), TypeError)
    const enc = new addon.Context(2, key, iv, true)
    const dec = new addon.Context(2, key, iv, false)
    assert.throws(() => enc.seal(Buffer.alloc(10), V2, 1, Buffer.alloc(100)), RangeError)
    assert.throws(() => enc.seal(bad[1] as Uint8Array, V2, 1, Buffer.alloc(1)), TypeError)
    assert.throws(() => dec.seal(Buffer.alloc(30), V2, 1, Buffer.alloc(1)), /decrypt-only/)
    assert.throws(() => enc.open(Buffer.alloc(30), 4, Buffer.alloc(6)), /encrypt-only/)
    // Inconsistent lengths in open are a plain `false`.
    const out = Buffer.alloc(4 + 20 + 10)
    enc.seal(out, V2, 1, Buffer.alloc(10, 1))
    assert.equal(dec.open(out, 4, Buffer.alloc(9)), false)
    assert.equal(dec.open(out, 200, Buffer.alloc(0)), false)
    const pt = Buffer.alloc(10)
    assert.equal(dec.open(out, 4, pt), true)
    assert.ok(pt.equals(Buffer.alloc(10, 1)))
    out[30] = (out[30] ?? 0) ^ 1
    const wiped = Buffer.alloc(10, 0xee)
    assert.equal(dec.open(out, 4, wiped), false)
    assert.ok(wiped.equals(Buffer.alloc(10)), 'no unauthenticated plaintext is left')
    enc.destroy()
    enc.destroy()
    assert.throws(() => enc.seal(Buffer.alloc(40), V2, 1, Buffer.alloc(1)), /destroyed/)
    dec.destroy()
  })

  void test('sealBatch gives the same packets as seal with consecutive ids', () => {
    const enc = new addon.Context(3, key, iv, true)
    const payloads = Array.from({ length: 8 }, (_, i) => randomBytes(100 * i))
    const outs = payloads.map((p) => Buffer.alloc(4 + 20 + p.length))
    assert.equal(enc.sealBatch(outs, V2, 40, payloads), 8)
    payloads.forEach((p, i) => {
      const one = Buffer.alloc(4 + 20 + p.length)
      enc.seal(one, V2, 40 + i, p)
      assert.ok(one.equals(outs[i] ?? Buffer.alloc(0)))
    })
    // A too-short output stops the batch there.
    outs[3] = Buffer.alloc(5)
    assert.equal(enc.sealBatch(outs, V2, 1, payloads), 3)
    enc.destroy()
  })

  void test('the loader self-checks against node:crypto and reports Node’s OpenSSL', () => {
    const r = loadNativeDataCrypto()
    assert.ok(r.ok, r.ok ? '' : r.error.message)
    assert.equal(r.openssl.split(' ')[1], process.versions.openssl)
  })
})

void describe('resources', () => {
  const openFds = () => readdirSync('/proc/self/fd').length
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void

  void test('no fd or memory growth over many contexts (destroyed and garbage-collected)', async () => {
    const info = cipherInfo('AES-256-GCM')
    const payload = randomBytes(1400)
    const round = (destroy: boolean) => {
      for (let i = 0; i < 5000; i++) {
        // send and receive halves equal, so the context opens what it sealed
        const half = randomBytes(128)
        const c = new NativeAeadCrypto(info, sliceKeyBlock(Buffer.concat([half, half])))
        assert.equal(c.open(c.seal(V2, i, payload), 4).packetId, i)
        if (destroy) c.destroy()
      }
    }
    const settle = async () => {
      for (let i = 0; i < 3; i++) {
        gc()
        await new Promise((r) => setImmediate(r))
      }
    }
    // Warm-up: the allocator and the V8 heap grow to their working size first.
    for (let r = 0; r < 4; r++) {
      round(r % 2 === 0)
      await settle()
    }
    const fds = openFds()
    const rss = process.memoryUsage().rss
    // Collected after every round: otherwise the peak of uncollected contexts sets the RSS.
    for (let r = 0; r < 8; r++) {
      round(r % 2 === 0)
      await settle()
    }
    await settle()
    const grown = process.memoryUsage().rss - rss
    assert.ok(openFds() <= fds, `fds ${fds} -> ${openFds()}`)
    // 40000 key pairs (80000 OpenSSL contexts of ~1 KB) would be ~80 MB if they leaked.
    assert.ok(grown < 16 * 1024 * 1024, `rss grew by ${(grown / 1048576).toFixed(1)} MB`)
  })
})
