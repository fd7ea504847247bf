/**
 * @module tls/verify
 * Server-certificate checks beyond chain validation (spec §9): `remote-cert-tls server`
 * (keyUsage present + EKU serverAuth), `remote-cert-eku`, `verify-x509-name`
 * (subject | name | name-prefix) and `peer-fingerprint` (SHA-256).
 */
import { X509Certificate } from 'node:crypto'
import { CertificateVerifyError } from '../errors.js'

export const EKU_SERVER_AUTH = '1.3.6.1.5.5.7.3.1'
/** DER encoding of OID 2.5.29.15 (keyUsage): 06 03 55 1d 0f. */
const KEY_USAGE_OID_DER = Buffer.from([0x06, 0x03, 0x55, 0x1d, 0x0f])

export type X509NameType = 'subject' | 'name' | 'name-prefix'

export interface ServerCertPolicy {
  remoteCertTls?: 'server'
  remoteCertEku?: string
  verifyX509Name?: { name: string; type: X509NameType }
  /** SHA-256 fingerprints, `AA:BB:…` (case-insensitive). */
  peerFingerprints?: string[]
}

/** Subject in OpenVPN's format: `C=DE, O=Example, CN=vpn` (spec §9). */
export function openvpnSubject(cert: X509Certificate): string {
  return cert.subject
    .split('\n')
    .filter((l) => l.length > 0)
    .join(', ')
}

export function commonName(cert: X509Certificate): string | undefined {
  for (const line of cert.subject.split('\n')) {
    if (line.startsWith('CN=')) return line.slice(3)
  }
  return undefined
}

function hasKeyUsageExtension(der: Buffer): boolean {
  return der.indexOf(KEY_USAGE_OID_DER) >= 0
}

/** Throws CertificateVerifyError when the leaf certificate fails the policy. */
export function verifyServerCertificate(der: Buffer, policy: ServerCertPolicy): void {
  const cert = new X509Certificate(der)
  if (policy.peerFingerprints && policy.peerFingerprints.length > 0) {
    const fp = cert.fingerprint256.toUpperCase()
    const ok = policy.peerFingerprints.some((f) => f.toUpperCase().replace(/\s/g, '') === fp)
    if (!ok) throw new CertificateVerifyError(`server certificate fingerprint ${fp} is not pinned`)
  }
  if (policy.remoteCertTls === 'server') {
    if (!hasKeyUsageExtension(der)) {
      throw new CertificateVerifyError(
        'remote-cert-tls server: certificate has no keyUsage extension'
      )
    }
    const eku = cert.keyUsage ?? []
    if (!eku.includes(EKU_SERVER_AUTH)) {
      throw new CertificateVerifyError(
        `remote-cert-tls server: certificate lacks EKU serverAuth (has ${eku.join(',') || 'none'})`
      )
    }
  }
  if (policy.remoteCertEku) {
    const eku = cert.keyUsage ?? []
    if (!eku.includes(policy.remoteCertEku)) {
      throw new CertificateVerifyError(`certificate lacks EKU ${policy.remoteCertEku}`)
    }
  }
  if (policy.verifyX509Name) {
    const { name, type } = policy.verifyX509Name
    const subject = openvpnSubject(cert)
    const cn = commonName(cert)
    const ok =
      type === 'subject'
        ? subject === name
        : type === 'name'
          ? cn === name
          : cn !== undefined && cn.startsWith(name)
    if (!ok) {
      throw new CertificateVerifyError(
        `verify-x509-name ${type} "${name}" does not match server certificate "${subject}"`
      )
    }
  }
}
