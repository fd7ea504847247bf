import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCertificates, parsePrivateKey, scanPem } from './pem.js'
import { parseStaticKey, parseTlsCryptV2ClientKey } from './static-key.js'
import {
  CA_CERT,
  CLIENT_CERT,
  CLIENT_KEY,
  CLIENT_KEY_ENCRYPTED,
  RSA_KEY_TRADITIONAL,
  STATIC_KEY,
  TLS_CRYPT_V2_CLIENT_KEY,
} from './testdata.js'

function openvpnAvailable(): boolean {
  try {
    execFileSync('openvpn', ['--version'], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch (err) {
    // openvpn --version exits with status 1 after printing the version
    return (err as { status?: number }).status === 1
  }
}

void describe('PEM credentials (spec §19.2, §9)', () => {
  void test('CA and client certificates parse with X509Certificate', () => {
    const r = parseCertificates(`garbage before\n${CA_CERT}`)
    assert.ok(r.ok)
    assert.equal(r.certificates[0]?.subject, 'CN=Test Profile CA')
    assert.equal(r.certificates[0]?.isCA, true)
    assert.match(r.certificates[0]?.fingerprint256 ?? '', /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/)
    const both = parseCertificates(CA_CERT + CLIENT_CERT)
    assert.equal(both.ok && both.certificates.length, 2)
  })

  void test('wrong PEM type, corrupted base64 and missing END are refused', () => {
    const wrong = parseCertificates(CLIENT_KEY)
    assert.equal(wrong.ok, false)
    assert.match(!wrong.ok ? wrong.message : '', /PRIVATE KEY, expected CERTIFICATE/)
    const corrupt = parseCertificates(CA_CERT.replace(/^MII/m, 'MII!'))
    assert.equal(corrupt.ok, false)
    const flipped = parseCertificates(CA_CERT.replace(/^MIIB/m, 'AAAA'))
    assert.match(!flipped.ok ? flipped.message : '', /cannot be parsed as X.509/)
    assert.equal(scanPem('-----BEGIN CERTIFICATE-----\nAAAA\n').ok, false)
    assert.equal(parseCertificates('no pem at all').ok, false)
  })

  void test('private keys: PKCS#8, traditional RSA, encrypted', () => {
    const k = parsePrivateKey(CLIENT_KEY)
    assert.ok(k.ok)
    assert.equal(k.key.algorithm, 'ec')
    assert.equal(k.key.encrypted, false)
    const rsa = parsePrivateKey(RSA_KEY_TRADITIONAL)
    assert.ok(rsa.ok)
    assert.equal(rsa.key.pemType, 'RSA PRIVATE KEY')
    assert.equal(rsa.key.algorithm, 'rsa')
    const enc = parsePrivateKey(CLIENT_KEY_ENCRYPTED)
    assert.ok(enc.ok)
    assert.equal(enc.key.encrypted, true)
    assert.equal(parsePrivateKey(CA_CERT).ok, false)
    assert.equal(parsePrivateKey(CLIENT_KEY + CLIENT_KEY).ok, false)
  })

  void test('messages never contain key material', () => {
    const bad = parsePrivateKey(CLIENT_KEY.replace(/^MIG/m, 'AAA'))
    assert.equal(bad.ok, false)
    const body = CLIENT_KEY.split('\n')[1] ?? ''
    assert.ok(!(!bad.ok && bad.message.includes(body.slice(0, 16))))
  })
})

void describe('static key V1 (spec §5.3)', () => {
  void test('the openvpn --genkey key parses to 256 bytes, comments before BEGIN ignored', () => {
    const r = parseStaticKey(STATIC_KEY)
    assert.ok(r.ok)
    assert.equal(r.key.length, 256)
    const hex = STATIC_KEY.split('\n')
      .filter((l) => /^[0-9a-f]{32}$/.test(l))
      .join('')
    assert.equal(r.key.toString('hex'), hex)
  })
  void test('any line length is accepted', () => {
    const hex = parseStaticKey(STATIC_KEY)
    assert.ok(hex.ok)
    const oneLine = `-----BEGIN OpenVPN Static key V1-----\n${hex.key.toString('hex')}\n-----END OpenVPN Static key V1-----\n`
    const r = parseStaticKey(oneLine)
    assert.ok(r.ok)
    assert.deepEqual(r.key, hex.key)
  })
  void test('short, long, non-hex and marker-less keys are refused', () => {
    const lines = STATIC_KEY.split('\n')
    const firstHex = lines.findIndex((l) => /^[0-9a-f]{32}$/.test(l))
    const short = lines.filter((_, i) => i !== firstHex).join('\n')
    const r = parseStaticKey(short)
    assert.match(!r.ok ? r.message : '', /has 240 bytes, expected 256/)
    const long = STATIC_KEY.replace('-----END', 'abcd\n-----END')
    assert.equal(parseStaticKey(long).ok, false)
    const nonHex = STATIC_KEY.replace(/^([0-9a-f]{31})[0-9a-f]$/m, '$1g')
    const nh = parseStaticKey(nonHex)
    assert.match(!nh.ok ? nh.message : '', /other than hex/)
    assert.equal(parseStaticKey('0123').ok, false)
    assert.equal(parseStaticKey(STATIC_KEY.replace(/-----END.*/, '')).ok, false)
    const v2 = parseStaticKey(TLS_CRYPT_V2_CLIENT_KEY)
    assert.match(!v2.ok ? v2.message : '', /tls-crypt-v2/)
  })
})

void describe('tls-crypt-v2 client key (spec §7.1)', () => {
  void test('the openvpn --genkey client key splits into Kc (256) and WKc (ends with its length)', () => {
    const r = parseTlsCryptV2ClientKey(TLS_CRYPT_V2_CLIENT_KEY)
    assert.ok(r.ok)
    assert.equal(r.value.key.length, 256)
    assert.equal(
      r.value.wrappedKey.readUInt16BE(r.value.wrappedKey.length - 2),
      r.value.wrappedKey.length
    )
  })
  void test('a synthetic key with the upstream test layout (Kc = 00..ff, 299-byte WKc)', () => {
    const kc = Buffer.from(Array.from({ length: 256 }, (_, i) => i))
    const wkc = Buffer.alloc(299, 0x5a)
    wkc.writeUInt16BE(299, 297)
    const b64 = Buffer.concat([kc, wkc]).toString('base64').replace(/.{64}/g, '$&\n')
    const text = `-----BEGIN OpenVPN tls-crypt-v2 client key-----\n${b64}\n-----END OpenVPN tls-crypt-v2 client key-----\n`
    const r = parseTlsCryptV2ClientKey(text)
    assert.ok(r.ok)
    assert.deepEqual(r.value.key, kc)
    assert.deepEqual(r.value.wrappedKey, wkc)
    const badLen = Buffer.from(wkc)
    badLen.writeUInt16BE(300, 297)
    const b = Buffer.concat([kc, badLen]).toString('base64')
    const bad = parseTlsCryptV2ClientKey(
      `-----BEGIN OpenVPN tls-crypt-v2 client key-----\n${b}\n-----END OpenVPN tls-crypt-v2 client key-----\n`
    )
    assert.match(!bad.ok ? bad.message : '', /ends with length 300 but is 299/)
  })
  void test('truncated, non-base64, server key and static key are refused', () => {
    const lines = TLS_CRYPT_V2_CLIENT_KEY.split('\n')
    const truncated = [...lines.slice(0, 3), ...lines.slice(-2)].join('\n')
    assert.equal(parseTlsCryptV2ClientKey(truncated).ok, false)
    assert.equal(
      parseTlsCryptV2ClientKey(TLS_CRYPT_V2_CLIENT_KEY.replace(/^([A-Za-z0-9+/])/m, '*')).ok,
      false
    )
    const srv = parseTlsCryptV2ClientKey(
      '-----BEGIN OpenVPN tls-crypt-v2 server key-----\nAAAA\n-----END OpenVPN tls-crypt-v2 server key-----\n'
    )
    assert.match(!srv.ok ? srv.message : '', /SERVER key/)
    const st = parseTlsCryptV2ClientKey(STATIC_KEY)
    assert.match(!st.ok ? st.message : '', /static key/)
  })

  void test('fresh keys from the local openvpn 2.6 binary parse', (t) => {
    if (!openvpnAvailable()) return t.skip('openvpn binary not available')
    const dir = mkdtempSync(join(tmpdir(), 'profile-keys-'))
    try {
      const run = (args: string[]) =>
        execFileSync('openvpn', args, { cwd: dir, stdio: 'ignore', timeout: 10_000 })
      run(['--genkey', 'secret', 'ta.key'])
      run(['--genkey', 'tls-crypt-v2-server', 'srv.key'])
      run(['--genkey', 'tls-crypt-v2-client', 'cli.key', '--tls-crypt-v2', 'srv.key'])
      assert.equal(parseStaticKey(readFileSync(join(dir, 'ta.key'), 'utf8')).ok, true)
      assert.equal(parseTlsCryptV2ClientKey(readFileSync(join(dir, 'cli.key'), 'utf8')).ok, true)
      assert.equal(parseTlsCryptV2ClientKey(readFileSync(join(dir, 'srv.key'), 'utf8')).ok, false)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
