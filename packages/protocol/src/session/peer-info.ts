/**
 * @module session/peer-info
 * The peer-info block (IV_* / UV_* lines) sent in key method 2 (spec §10.5) and the OCC
 * options string (spec §10.4).
 */

import { networkInterfaces, release } from 'node:os'

/**
 * MAC address for IV_HWADDR when none is configured: the first non-loopback interface with a
 * real MAC (2.6 uses the default-gateway interface; the backend may pass that one explicitly).
 */
export function defaultHwaddr(): string | undefined {
  for (const addrs of Object.values(networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (!a.internal && a.mac && a.mac !== '00:00:00:00:00:00') return a.mac
    }
  }
  return undefined
}

/** IV_PROTO bits (spec §10.5, upstream `ssl.h`). */
export const IvProto = {
  DATA_V2: 2,
  REQUEST_PUSH: 4,
  TLS_KEY_EXPORT: 8,
  AUTH_PENDING_KW: 16,
  DNS_OPTION: 64,
  CC_EXIT_NOTIFY: 128,
  AUTH_FAIL_TEMP: 256,
  DYN_TLS_CRYPT: 512,
} as const

/** Version string announced in IV_VER (compatibility choice, spec §10.5). */
export const IV_VER = '2.6.14'

export interface PeerInfoOptions {
  dataCiphers: readonly string[]
  /** Announce TLS-EKM (IV_PROTO bit 3); false forces the legacy PRF. */
  tlsEkm: boolean
  /** Announce dynamic tls-crypt (IV_PROTO bit 9). */
  dynTlsCrypt?: boolean
  platform?: string
  tunMtu?: number
  /** `push-peer-info`: adds IV_HWADDR, IV_SSL, IV_PLAT_VER and UV_* variables. */
  pushPeerInfo?: boolean
  hwaddr?: string
  sslVersion?: string
  platformVersion?: string
  /** `setenv` values: IV_GUI_VER, IV_SSO, UV_* … */
  setenv?: Readonly<Record<string, string>>
}

export function ivProtoValue(tlsEkm: boolean, dynTlsCrypt = false): number {
  let v =
    IvProto.DATA_V2 |
    IvProto.REQUEST_PUSH |
    IvProto.AUTH_PENDING_KW |
    IvProto.DNS_OPTION |
    IvProto.CC_EXIT_NOTIFY |
    IvProto.AUTH_FAIL_TEMP
  if (tlsEkm) v |= IvProto.TLS_KEY_EXPORT
  if (dynTlsCrypt) v |= IvProto.DYN_TLS_CRYPT
  return v
}

const NAME_RE = /^[A-Za-z0-9_]+$/

function sanitizeValue(v: string): string {
  return v.replace(/[\r\n]/g, ' ')
}

export function buildPeerInfo(o: PeerInfoOptions): string {
  const lines: string[] = []
  const add = (k: string, v: string | number): void => {
    if (NAME_RE.test(k)) lines.push(`${k}=${sanitizeValue(String(v))}`)
  }
  add('IV_VER', IV_VER)
  add('IV_PLAT', o.platform ?? 'linux')
  add('IV_TCPNL', 1)
  add('IV_MTU', o.tunMtu && o.tunMtu > 1600 ? o.tunMtu : 1600)
  if (o.dataCiphers.includes('AES-128-GCM') && o.dataCiphers.includes('AES-256-GCM')) {
    add('IV_NCP', 2)
  }
  add('IV_CIPHERS', o.dataCiphers.join(':'))
  add('IV_PROTO', ivProtoValue(o.tlsEkm, o.dynTlsCrypt ?? false))
  add('IV_LZO_STUB', 1)
  add('IV_COMP_STUB', 1)
  add('IV_COMP_STUBv2', 1)
  const env = o.setenv ?? {}
  if (o.pushPeerInfo) {
    const hw = o.hwaddr ?? defaultHwaddr()
    if (hw) add('IV_HWADDR', hw.toLowerCase())
    add('IV_SSL', o.sslVersion ?? `OpenSSL ${process.versions.openssl}`)
    add('IV_PLAT_VER', o.platformVersion ?? release())
    for (const [k, v] of Object.entries(env)) if (k.startsWith('UV_')) add(k, v)
  }
  for (const k of ['IV_GUI_VER', 'IV_SSO'] as const) {
    const v = env[k]
    if (v !== undefined) add(k, v)
  }
  return lines.map((l) => `${l}\n`).join('')
}

export interface OccOptions {
  proto: 'udp' | 'tcp'
  tunMtu: number
  cipher: string
  auth: string
  keySize: number
  tlsAuthDirection?: 0 | 1
}

/** The OCC options string a 2.6 client would send (spec §10.4; informational for 2.6). */
export function buildOccString(o: OccOptions): string {
  const parts = [
    'V4',
    'dev-type tun',
    `link-mtu ${o.tunMtu + 59}`,
    `tun-mtu ${o.tunMtu}`,
    `proto ${o.proto === 'udp' ? 'UDPv4' : 'TCPv4_CLIENT'}`,
  ]
  if (o.tlsAuthDirection !== undefined) parts.push(`keydir ${o.tlsAuthDirection}`)
  parts.push(`cipher ${o.cipher}`, `auth ${o.auth}`, `keysize ${o.keySize}`)
  if (o.tlsAuthDirection !== undefined) parts.push('tls-auth')
  parts.push('key-method 2', 'tls-client')
  return parts.join(',')
}
