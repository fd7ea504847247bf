/**
 * Server-certificate checks (spec §9) on certificates made with the openssl CLI: subject format,
 * verify-x509-name (subject | name | name-prefix), remote-cert-tls server, remote-cert-eku,
 * peer-fingerprint.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { EKU_SERVER_AUTH, openvpnSubject, verifyServerCertificate } from './verify.js'

let dir = ''
let server: Buffer = Buffer.alloc(0)
let noKu: Buffer = Buffer.alloc(0)

function makeCert(name: string, ext: string): Buffer {
  writeFileSync(join(dir, `${name}.ext`), ext)
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      join(dir, `${name}.key`),
      '-out',
      join(dir, `${name}.crt`),
      '-days',
      '2',
      '-subj',
      '/C=DE/O=Example Org/CN=vpn-server.example',
      '-extensions',
      'v3',
      '-config',
      join(dir, `${name}.ext`),
    ],
    { stdio: 'ignore' }
  )
  return new X509Certificate(readFileSync(join(dir, `${name}.crt`))).raw
}

void describe('verifyServerCertificate', () => {
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'verify-'))
    const base = '[req]\ndistinguished_name=dn\n[dn]\n[v3]\nbasicConstraints=CA:FALSE\n'
    server = makeCert('server', `${base}keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n`)
    noKu = makeCert('noku', `${base}extendedKeyUsage=serverAuth\n`)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  void test('subject in OpenVPN format', () => {
    assert.equal(
      openvpnSubject(new X509Certificate(server)),
      'C=DE, O=Example Org, CN=vpn-server.example'
    )
  })

  void test('remote-cert-tls server needs keyUsage and serverAuth EKU', () => {
    verifyServerCertificate(server, { remoteCertTls: 'server' })
    assert.throws(() => verifyServerCertificate(noKu, { remoteCertTls: 'server' }), {
      name: 'CertificateVerifyError',
      message: /keyUsage/,
    })
    verifyServerCertificate(server, { remoteCertEku: EKU_SERVER_AUTH })
    assert.throws(() => verifyServerCertificate(server, { remoteCertEku: '1.3.6.1.5.5.7.3.2' }), {
      name: 'CertificateVerifyError',
    })
  })

  void test('verify-x509-name: subject, name, name-prefix', () => {
    const ok = (name: string, type: 'subject' | 'name' | 'name-prefix'): void =>
      verifyServerCertificate(server, { verifyX509Name: { name, type } })
    const bad = (name: string, type: 'subject' | 'name' | 'name-prefix'): void =>
      assert.throws(() => ok(name, type), { name: 'CertificateVerifyError' })
    ok('C=DE, O=Example Org, CN=vpn-server.example', 'subject')
    bad('CN=vpn-server.example', 'subject')
    ok('vpn-server.example', 'name')
    bad('vpn-server', 'name')
    ok('vpn-server', 'name-prefix')
    bad('other', 'name-prefix')
  })

  void test('peer-fingerprint pins the SHA-256 fingerprint', () => {
    const fp = new X509Certificate(server).fingerprint256
    verifyServerCertificate(server, { peerFingerprints: [fp.toLowerCase()] })
    assert.throws(() => verifyServerCertificate(noKu, { peerFingerprints: [fp] }), {
      name: 'CertificateVerifyError',
      message: /not pinned/,
    })
  })
})
