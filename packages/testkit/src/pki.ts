/**
 * @module pki
 * The lab's throw-away PKI, made with the `openssl` and `openvpn --genkey` command-line tools:
 * a CA (EC P-256), a server certificate for CN `server.lab` with the serverAuth EKU (RFC 5280
 * 4.2.1.12), a second server certificate without it, a client certificate, a second CA (for
 * wrong-CA tests) with a server and a client certificate of its own, and the OpenVPN static keys
 * for tls-auth, tls-crypt and tls-crypt-v2 (server key plus one client key).
 * Generation runs once per process (about 0.1 s); each lab writes its own copy of the files.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCommand } from './exec.js'

/** Every file of the lab PKI, by role. */
export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  serverNoEkuCert: 'server-no-eku.crt',
  serverNoEkuKey: 'server-no-eku.key',
  clientCert: 'client.crt',
  clientKey: 'client.key',
  otherCaCert: 'other-ca.crt',
  otherCaKey: 'other-ca.key',
  otherServerCert: 'other-server.crt',
  otherServerKey: 'other-server.key',
  otherClientCert: 'other-client.crt',
  otherClientKey: 'other-client.key',
  tlsAuthKey: 'tls-auth.key',
  tlsCryptKey: 'tls-crypt.key',
  tlsCryptV2ServerKey: 'tls-crypt-v2-server.key',
  tlsCryptV2ClientKey: 'tls-crypt-v2-client.key',
} as const

export type PkiRole = keyof typeof PKI_FILES

/** PEM/key texts, by role. */
export type PkiMaterial = Record<PkiRole, string>

/** A PKI written to disk: `pki[role]` is a file path, `pki.pem[role]` its text. */
export type LabPki = Record<PkiRole, string> & {
  dir: string
  pem: PkiMaterial
  /** CN of both server certificates */
  serverName: 'server.lab'
}

export const SERVER_NAME = 'server.lab'

interface CertSpec {
  out: 'ca' | 'server' | 'server-no-eku' | 'client' | 'other-ca' | 'other-server' | 'other-client'
  cn: string
  issuer?: 'ca' | 'other-ca'
  ext: string[]
}

const LEAF_BASE = ['basicConstraints = critical,CA:FALSE', 'subjectKeyIdentifier = hash']
const SERVER_EXT = [
  ...LEAF_BASE,
  'keyUsage = critical,digitalSignature,keyAgreement',
  'extendedKeyUsage = serverAuth',
  `subjectAltName = DNS:${SERVER_NAME}`,
  'authorityKeyIdentifier = keyid',
]
const CLIENT_EXT = [
  ...LEAF_BASE,
  'keyUsage = critical,digitalSignature,keyAgreement',
  'extendedKeyUsage = clientAuth',
  'authorityKeyIdentifier = keyid',
]
const CA_EXT = [
  'basicConstraints = critical,CA:TRUE',
  'keyUsage = critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier = hash',
]

const CERTS: CertSpec[] = [
  { out: 'ca', cn: 'openvpn3-ts lab CA', ext: CA_EXT },
  { out: 'other-ca', cn: 'openvpn3-ts other CA', ext: CA_EXT },
  { out: 'server', cn: SERVER_NAME, issuer: 'ca', ext: SERVER_EXT },
  // Same name, but the EKU says clientAuth only: `remote-cert-tls server` must reject it.
  { out: 'server-no-eku', cn: SERVER_NAME, issuer: 'ca', ext: CLIENT_EXT },
  { out: 'client', cn: 'client.lab', issuer: 'ca', ext: CLIENT_EXT },
  { out: 'other-server', cn: SERVER_NAME, issuer: 'other-ca', ext: SERVER_EXT },
  { out: 'other-client', cn: 'client.lab', issuer: 'other-ca', ext: CLIENT_EXT },
]

async function makeCert(dir: string, spec: CertSpec): Promise<void> {
  const cnf = join(dir, `${spec.out}.cnf`)
  writeFileSync(
    cnf,
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      'x509_extensions = ext',
      '[dn]',
      `CN = ${spec.cn}`,
      '[ext]',
      ...spec.ext,
      '',
    ].join('\n')
  )
  const args = [
    'req',
    '-x509',
    '-config',
    cnf,
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    join(dir, `${spec.out}.key`),
    '-out',
    join(dir, `${spec.out}.crt`),
    '-days',
    '3650',
    '-sha256',
  ]
  if (spec.issuer) {
    args.push('-CA', join(dir, `${spec.issuer}.crt`), '-CAkey', join(dir, `${spec.issuer}.key`))
  }
  await runCommand('openssl', args)
}

async function generate(): Promise<PkiMaterial> {
  const dir = mkdtempSync(join(tmpdir(), 'ovpn3-pki-'))
  try {
    for (const spec of CERTS) await makeCert(dir, spec)
    const f = (role: PkiRole): string => join(dir, PKI_FILES[role])
    await runCommand('openvpn', ['--genkey', 'secret', f('tlsAuthKey')])
    await runCommand('openvpn', ['--genkey', 'secret', f('tlsCryptKey')])
    await runCommand('openvpn', ['--genkey', 'tls-crypt-v2-server', f('tlsCryptV2ServerKey')])
    await runCommand('openvpn', [
      '--tls-crypt-v2',
      f('tlsCryptV2ServerKey'),
      '--genkey',
      'tls-crypt-v2-client',
      f('tlsCryptV2ClientKey'),
    ])
    const material = {} as PkiMaterial
    for (const role of Object.keys(PKI_FILES) as PkiRole[]) {
      material[role] = readFileSync(f(role), 'utf8')
    }
    return material
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

let cached: Promise<PkiMaterial> | undefined

/** The process-wide PKI material (generated on first use). */
export function pkiMaterial(): Promise<PkiMaterial> {
  cached ??= generate().catch((err: unknown) => {
    cached = undefined
    throw err
  })
  return cached
}

/** Writes the PKI into `dir` (world-readable: tests may run clients as another UID). */
export async function writePki(dir: string): Promise<LabPki> {
  const pem = await pkiMaterial()
  const paths = {} as Record<PkiRole, string>
  for (const role of Object.keys(PKI_FILES) as PkiRole[]) {
    const p = join(dir, PKI_FILES[role])
    writeFileSync(p, pem[role])
    chmodSync(p, 0o644)
    paths[role] = p
  }
  return { ...paths, dir, pem, serverName: SERVER_NAME }
}
