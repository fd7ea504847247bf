import { strict as assert } from 'node:assert'
import { describe, test } from 'node:test'
import {
  base32Decode,
  base32Encode,
  generateSecret,
  hotp,
  otpauthUri,
  totp,
  verifyTotp,
} from './totp.js'

// RFC 6238 Appendix B test vectors (8 digits).
const seeds = {
  sha1: Buffer.from('12345678901234567890'),
  sha256: Buffer.from('12345678901234567890123456789012'),
  sha512: Buffer.from('1234567890123456789012345678901234567890123456789012345678901234'),
}
const vectors: [number, string, string, string][] = [
  [59, '94287082', '46119246', '90693936'],
  [1111111109, '07081804', '68084774', '25091201'],
  [1111111111, '14050471', '67062674', '99943326'],
  [1234567890, '89005924', '91819424', '93441116'],
  [2000000000, '69279037', '90698825', '38618901'],
  [20000000000, '65353130', '77737706', '47863826'],
]

void describe('TOTP (RFC 6238)', () => {
  for (const [t, s1, s256, s512] of vectors) {
    void test(`RFC 6238 vector T=${t}`, () => {
      assert.equal(totp(seeds.sha1, t, { digits: 8, algorithm: 'sha1' }), s1)
      assert.equal(totp(seeds.sha256, t, { digits: 8, algorithm: 'sha256' }), s256)
      assert.equal(totp(seeds.sha512, t, { digits: 8, algorithm: 'sha512' }), s512)
    })
  }

  void test('RFC 4226 HOTP vectors', () => {
    const expect = [
      '755224',
      '287082',
      '359152',
      '969429',
      '338314',
      '254676',
      '287922',
      '162583',
      '399871',
      '520489',
    ]
    expect.forEach((v, i) => assert.equal(hotp(seeds.sha1, i), v))
  })

  void test('base32 round trip (RFC 4648 vectors)', () => {
    assert.equal(base32Encode(Buffer.from('foobar')), 'MZXW6YTBOI')
    assert.equal(base32Decode('MZXW6YTBOI======').toString(), 'foobar')
    const s = generateSecret()
    assert.equal(base32Decode(s).length, 20)
    assert.throws(() => base32Decode('1!'), RangeError)
  })

  void test('verify accepts the current and adjacent step, rejects others, returns the step', () => {
    const secret = base32Encode(seeds.sha1)
    const now = 1111111111
    const code = totp(seeds.sha1, now)
    assert.equal(verifyTotp(secret, code, now), Math.floor(now / 30))
    assert.equal(verifyTotp(secret, totp(seeds.sha1, now - 30), now), Math.floor(now / 30) - 1)
    assert.equal(verifyTotp(secret, totp(seeds.sha1, now - 90), now), undefined)
    assert.equal(verifyTotp(secret, '12345', now), undefined)
    assert.equal(verifyTotp(secret, 'abcdef', now), undefined)
  })

  void test('otpauth URI', () => {
    assert.match(
      otpauthUri('ABC', 'alice', 'VPN'),
      /^otpauth:\/\/totp\/VPN:alice\?secret=ABC&issuer=VPN&algorithm=SHA1&digits=6&period=30$/
    )
  })
})
