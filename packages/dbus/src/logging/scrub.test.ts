/**
 * Secret scrubbing (scrub.ts): every pattern rule, registered secrets in their encoded
 * forms, and texts that must stay untouched (object paths, session tokens, plain prose).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { REDACTED, SecretScrubber, scrubSecrets } from './scrub.js'

const KEY = [
  '-----BEGIN PRIVATE KEY-----',
  'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg3o1Xy4kLmZ9sT6vE',
  '-----END PRIVATE KEY-----',
].join('\n')

void describe('scrubSecrets', () => {
  void test('removes PEM private keys and OpenVPN static keys, keeps certificates', () => {
    const out = scrubSecrets(`loaded ${KEY} ok`)
    assert.ok(!out.includes('MIGHAgEAMBMG'), out)
    assert.ok(out.includes(REDACTED))
    assert.ok(out.endsWith(' ok'))
    const st = scrubSecrets(
      '-----BEGIN OpenVPN Static key V1----- 6f7a1c2d3e4f5a6b7c8d9e0f1a2b3c4d -----END OpenVPN Static key V1-----'
    )
    assert.ok(!st.includes('6f7a1c2d'), st)
    const truncated = scrubSecrets('-----BEGIN EC PRIVATE KEY----- MHcCAQEEIB')
    assert.ok(!truncated.includes('MHcCAQEEIB'), truncated)
    const cert = '-----BEGIN CERTIFICATE----- MIIB -----END CERTIFICATE-----'
    assert.equal(scrubSecrets(cert), cert)
  })

  void test('removes inline profile key blocks', () => {
    for (const tag of [
      'key',
      'tls-crypt',
      'tls-crypt-v2',
      'tls-auth',
      'secret',
      'auth-user-pass',
    ]) {
      const out = scrubSecrets(`profile <${tag}> s3cr3t-material </${tag}> end`)
      assert.ok(!out.includes('s3cr3t-material'), out)
      assert.ok(out.endsWith(' end'), out)
    }
  })

  void test('removes CRV1/SCRV1 responses and the state id of a challenge', () => {
    const resp = scrubSecrets('sending CRV1::Om01u7Fh4LrGBS7uh0SWmzwabUiGiW6l::my otp 123456')
    assert.ok(!resp.includes('123456') && !resp.includes('Om01u7Fh4'), resp)
    const s = scrubSecrets('password SCRV1:bGFiLVBhc3N3MHJk:NDI0MjQy')
    assert.ok(!s.includes('bGFiLVBhc3N3MHJk') && !s.includes('NDI0MjQy'), s)
    const ch = scrubSecrets('challenge CRV1:R,E:Om01u7Fh4LrGBS7:Y3Ix:Please enter token PIN')
    assert.ok(!ch.includes('Om01u7Fh4LrGBS7') && !ch.includes('Y3Ix'), ch)
    assert.ok(ch.includes('Please enter token PIN'), ch)
  })

  void test('removes auth-token push options and key=value secrets', () => {
    const push = scrubSecrets(
      'PUSH_REPLY,route-gateway 198.18.1.1,auth-token SESS_ID_AT_abcDEF123,ping 10'
    )
    assert.ok(!push.includes('SESS_ID_AT_abcDEF123'), push)
    assert.ok(push.includes('ping 10') && push.includes('route-gateway 198.18.1.1'), push)
    const cases = [
      'password=hunter22 user=bob',
      'Password: hunter22',
      '{"username":"bob","password":"hunter22"}',
      "passphrase='hunter22'",
      'auth_token=hunter22',
      'challenge-response: hunter22',
      'Authorization: Basic aHVudGVyMjI6eA==',
      'Authorization: Bearer hunter22.abc',
    ]
    for (const c of cases) {
      const out = scrubSecrets(c)
      assert.ok(!out.includes('hunter22') && !out.includes('aHVudGVyMjI6eA'), `${c} → ${out}`)
    }
    assert.ok(scrubSecrets('password=hunter22 user=bob').includes('user=bob'))
  })

  void test('leaves file paths alone, also with long components after a dash', () => {
    const path = '/tmp/cfgmgr-test-3I5HHK/configs/34eea818xe578x4356x924bx9fccbbeb92eb.json'
    assert.equal(scrubSecrets(`Could not load ${path}`), `Could not load ${path}`)
  })

  void test('removes long hex and mixed base64 runs (key material)', () => {
    const hex = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4'
    assert.ok(!scrubSecrets(`key ${hex}`).includes(hex))
    const b64 = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MEFCQ0RFRkdISUpLTE1OT1BRUlNU'
    assert.ok(!scrubSecrets(`blob ${b64}`).includes(b64))
  })

  void test('leaves ordinary lines alone', () => {
    const lines = [
      'Session /net/openvpn/v3/sessions/0f5c1e2as7b2es4c1ds9e8fs0a1b2c3d4e5f started',
      'Connected to 192.0.2.1:1194 via udp, token 3a4b5c6dt1a2bt4c5dt8e9ft0a1b2c3d4e5f',
      'Route 198.18.0.0/15 added on tun0',
      'Ping timeout, restarting',
      'Peer Connection Initiated with [AF_INET]192.0.2.1:1194',
    ]
    for (const l of lines) assert.equal(scrubSecrets(l), l)
  })
})

void describe('SecretScrubber', () => {
  void test('replaces registered secrets verbatim, base64 and URL-encoded, without a label', () => {
    const s = new SecretScrubber()
    s.add('Tr0ub4dor&3 horse')
    const b64 = Buffer.from('Tr0ub4dor&3 horse').toString('base64')
    const out = s.scrub(
      `typed Tr0ub4dor&3 horse / ${b64} / ${encodeURIComponent('Tr0ub4dor&3 horse')}`
    )
    assert.ok(!out.includes('Tr0ub4dor'), out)
    assert.ok(!out.includes(b64.slice(0, 12)), out)
    assert.equal(s.size, 1)
    s.delete('Tr0ub4dor&3 horse')
    assert.ok(s.scrub('Tr0ub4dor&3 horse').includes('Tr0ub4dor'))
  })

  void test('ignores too-short values and stays bounded', () => {
    const s = new SecretScrubber()
    s.add('ab')
    assert.equal(s.scrub('ab cd'), 'ab cd')
    for (let i = 0; i < 300; i++) s.add(`secret-${i}`)
    assert.ok(s.size <= 256)
  })
})
