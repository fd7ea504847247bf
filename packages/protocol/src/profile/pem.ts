/**
 * PEM credentials of a profile's inline blocks (`<ca>`, `<cert>`, `<extra-certs>`, `<key>`;
 * spec openvpn-protocol.md §19.2–19.3 and §9): finds the PEM blocks, checks their type, parses
 * certificates with `node:crypto` `X509Certificate` and private keys with `createPrivateKey`.
 * Results are data (ok / message); nothing here throws. Messages never contain key material.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto'

/** One `-----BEGIN TYPE-----` … `-----END TYPE-----` block. */
export interface PemBlock {
  readonly type: string
  /** The whole block, markers included, normalised to LF line ends and a final newline. */
  readonly pem: string
  /** RFC 1421 headers (`Proc-Type`, `DEK-Info`) of legacy encrypted keys. */
  readonly headers: Readonly<Record<string, string>>
}

export type PemScan =
  | { readonly ok: true; readonly blocks: PemBlock[] }
  | { readonly ok: false; readonly message: string }

const BEGIN = /^-----BEGIN ([A-Z0-9 ]+)-----$/
const END = /^-----END ([A-Z0-9 ]+)-----$/
const BASE64_LINE = /^[A-Za-z0-9+/=]+$/

/** Find every PEM block in `text`; text outside blocks is ignored (openssl writes headers there). */
export function scanPem(text: string): PemScan {
  const blocks: PemBlock[] = []
  const lines = text.split('\n').map((l) => l.trim())
  let i = 0
  while (i < lines.length) {
    const begin = BEGIN.exec(lines[i] as string)
    i += 1
    if (begin === null) continue
    const type = begin[1] as string
    const headers: Record<string, string> = {}
    const body: string[] = []
    let closed = false
    for (; i < lines.length; i++) {
      const l = lines[i] as string
      const end = END.exec(l)
      if (end !== null) {
        if (end[1] !== type) {
          return { ok: false, message: `PEM block BEGIN ${type} ends with END ${end[1]}` }
        }
        closed = true
        i += 1
        break
      }
      if (l === '') continue
      const header = /^([A-Za-z-]+):\s*(.*)$/.exec(l)
      if (header !== null && body.length === 0) {
        headers[header[1] as string] = header[2] as string
        continue
      }
      if (!BASE64_LINE.test(l)) {
        return { ok: false, message: `PEM block ${type} contains a line that is not base64` }
      }
      body.push(l)
    }
    if (!closed) return { ok: false, message: `PEM block ${type} has no END line` }
    if (body.length === 0) return { ok: false, message: `PEM block ${type} is empty` }
    const headerLines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\n`)
    const pem =
      `-----BEGIN ${type}-----\n` +
      (headerLines.length > 0 ? `${headerLines.join('')}\n` : '') +
      body.map((b) => `${b}\n`).join('') +
      `-----END ${type}-----\n`
    blocks.push({ type, pem, headers })
  }
  return { ok: true, blocks }
}

/** What the engine and the configuration manager need to know about one certificate. */
export interface CertificateInfo {
  readonly pem: string
  readonly subject: string
  readonly issuer: string
  readonly serialNumber: string
  readonly validFrom: Date
  readonly validTo: Date
  /** SHA-256 fingerprint, upper-case hex pairs separated by colons (as `peer-fingerprint`). */
  readonly fingerprint256: string
  readonly isCA: boolean
}

export type CertificatesResult =
  | {
      readonly ok: true
      readonly certificates: CertificateInfo[]
      /** The parsed objects, in the same order (for key checks without parsing again). */
      readonly x509: X509Certificate[]
    }
  | { readonly ok: false; readonly message: string }

/** Parse every block of `text` as an X.509 certificate; all blocks must be CERTIFICATE. */
export function parseCertificates(text: string): CertificatesResult {
  const scan = scanPem(text)
  if (!scan.ok) return scan
  if (scan.blocks.length === 0) {
    return { ok: false, message: 'no PEM certificate (-----BEGIN CERTIFICATE-----) found' }
  }
  const certificates: CertificateInfo[] = []
  const parsed: X509Certificate[] = []
  for (const [index, block] of scan.blocks.entries()) {
    if (block.type !== 'CERTIFICATE') {
      return {
        ok: false,
        message: `PEM block ${index + 1} is ${block.type}, expected CERTIFICATE`,
      }
    }
    let x509: X509Certificate
    try {
      x509 = new X509Certificate(block.pem)
    } catch (_err) {
      return { ok: false, message: `certificate ${index + 1} cannot be parsed as X.509` }
    }
    parsed.push(x509)
    certificates.push({
      pem: block.pem,
      subject: x509.subject,
      issuer: x509.issuer,
      serialNumber: x509.serialNumber,
      validFrom: new Date(x509.validFrom),
      validTo: new Date(x509.validTo),
      fingerprint256: x509.fingerprint256,
      isCA: x509.ca,
    })
  }
  return { ok: true, certificates, x509: parsed }
}

/** What the engine needs to know about the private key. */
export interface PrivateKeyInfo {
  readonly pem: string
  /** PEM type: `PRIVATE KEY`, `RSA PRIVATE KEY`, `EC PRIVATE KEY` or `ENCRYPTED PRIVATE KEY`. */
  readonly pemType: string
  /** True when a passphrase is needed before use (the backend asks the user for it). */
  readonly encrypted: boolean
  /** `rsa`, `ec`, `ed25519`, … when known (not for encrypted keys). */
  readonly algorithm: string | null
}

export type PrivateKeyResult =
  | { readonly ok: true; readonly key: PrivateKeyInfo; readonly keyObject: KeyObject | null }
  | { readonly ok: false; readonly message: string }

const KEY_TYPES = new Set([
  'PRIVATE KEY',
  'RSA PRIVATE KEY',
  'EC PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
])

/** Parse the single private key of a `<key>` block. */
export function parsePrivateKey(text: string): PrivateKeyResult {
  const scan = scanPem(text)
  if (!scan.ok) return scan
  const keys = scan.blocks.filter((b) => b.type !== 'EC PARAMETERS')
  const block = keys[0]
  if (block === undefined) {
    return { ok: false, message: 'no PEM private key (-----BEGIN PRIVATE KEY-----) found' }
  }
  if (keys.length > 1)
    return { ok: false, message: `expected one private key, found ${keys.length} PEM blocks` }
  if (!KEY_TYPES.has(block.type)) {
    return {
      ok: false,
      message: `PEM block is ${block.type}, expected PRIVATE KEY, RSA PRIVATE KEY, EC PRIVATE KEY or ENCRYPTED PRIVATE KEY`,
    }
  }
  const encrypted =
    block.type === 'ENCRYPTED PRIVATE KEY' ||
    (block.headers['Proc-Type'] ?? '').includes('ENCRYPTED')
  if (encrypted) {
    return {
      ok: true,
      key: { pem: block.pem, pemType: block.type, encrypted: true, algorithm: null },
      keyObject: null,
    }
  }
  try {
    const keyObject = createPrivateKey({ key: block.pem, format: 'pem' })
    return {
      ok: true,
      key: {
        pem: block.pem,
        pemType: block.type,
        encrypted: false,
        algorithm: keyObject.asymmetricKeyType ?? null,
      },
      keyObject,
    }
  } catch (_err) {
    return { ok: false, message: `the ${block.type} block cannot be parsed as a private key` }
  }
}

/** True when `key` belongs to the certificate; null when it cannot be checked. */
export function keyMatchesCertificate(cert: X509Certificate, key: KeyObject): boolean | null {
  try {
    return cert.checkPrivateKey(key)
  } catch (_err) {
    return null
  }
}
