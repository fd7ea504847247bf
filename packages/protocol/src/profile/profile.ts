/**
 * The typed result of parsing a client profile: everything the engine (via the backend) and the
 * configuration manager need, with OpenVPN 2.6 client defaults filled in (spec
 * openvpn-protocol.md §19.3). Discriminated unions where a choice excludes others (control
 * channel protection, credentials source, compression framing). All values are plain data.
 */
import type { DataCipher, Digest } from './algorithms.js'
import type { RawOption } from './option-list.js'
import type { CertificateInfo, PrivateKeyInfo } from './pem.js'

/** Transport of one remote (§19.3 `proto`): `tcp*` means TCP client for a client. */
export type Transport = 'udp' | 'tcp'
/** Address family forced by `udp4`/`tcp6`… (`any` = both). */
export type AddressFamily = 'any' | 'ipv4' | 'ipv6'

/** One server to try (§19.3 `remote HOST [PORT [PROTO]]`). */
export interface Remote {
  readonly host: string
  readonly port: number
  readonly transport: Transport
  readonly family: AddressFamily
  /** Line of the `remote` directive. */
  readonly line: number
}

/** One connection entry: a `<connection>` block, or the top-level remotes. Tried in order. */
export interface ConnectionEntry {
  readonly remotes: readonly Remote[]
  /** `explicit-exit-notify` for this entry (UDP only, §15.3), 0 = off. */
  readonly explicitExitNotify: number
  /** `server-poll-timeout` / `connect-timeout` in seconds. */
  readonly connectTimeout: number
  /**
   * Control-channel protection given inside this `<connection>` block, or null to use the
   * profile's {@link Profile.tlsWrap}.
   */
  readonly tlsWrap: TlsWrap | null
  /** Line of the `<connection>` tag, or null for top-level remotes. */
  readonly line: number | null
}

/** Control-channel protection (§5 tls-auth, §6 tls-crypt, §7 tls-crypt-v2). */
export type TlsWrap =
  | { readonly mode: 'none' }
  | {
      readonly mode: 'tls-auth'
      /** The 256-byte static key (§5.3). */
      readonly key: Buffer
      /** The key file text as written in the profile (for consumers that want the file form). */
      readonly text: string
      /** `key-direction` (0 normal, 1 inverse) or null = bidirectional. */
      readonly direction: 0 | 1 | null
    }
  | { readonly mode: 'tls-crypt'; readonly key: Buffer; readonly text: string }
  | {
      readonly mode: 'tls-crypt-v2'
      /** Kc, 256 bytes (§7.1). */
      readonly key: Buffer
      /** WKc, appended to the V3 reset (§7.2). */
      readonly wrappedKey: Buffer
      readonly text: string
    }

/** Where the username/password come from (§17.1). */
export type UserPassSource =
  | { readonly mode: 'none' }
  | { readonly mode: 'prompt' }
  | { readonly mode: 'inline'; readonly username: string; readonly password: string | null }

/** `static-challenge "TEXT" ECHO [scrv1|concat]` (§17.2). */
export interface StaticChallenge {
  readonly text: string
  readonly echo: boolean
  readonly format: 'scrv1' | 'concat'
}

/** Compression framing from `compress` / `comp-lzo` (§14). The client never compresses. */
export type CompressionFraming =
  | 'none'
  /** `comp-lzo no`: 0xFA prefix, no swap. */
  | 'lzo-stub'
  /** `compress` / `compress stub`: 0xFB with swap. */
  | 'stub'
  /** `compress stub-v2`. */
  | 'stub-v2'
  /** `comp-lzo [yes|adaptive]` / `compress lzo`: real LZO; peer may send compressed data. */
  | 'lzo'
  /** `compress lz4`. */
  | 'lz4'
  /** `compress lz4-v2`. */
  | 'lz4-v2'

export interface Compression {
  readonly framing: CompressionFraming
  /** `allow-compression` (default `no`: real compression pushed by the server is refused). */
  readonly allow: 'no' | 'asym' | 'yes'
}

export interface TlsSettings {
  /** `tls-version-min` (default 1.2). */
  readonly versionMin: '1.0' | '1.1' | '1.2' | '1.3'
  readonly versionMinOrHighest: boolean
  readonly versionMax: '1.0' | '1.1' | '1.2' | '1.3' | null
  /** `tls-cipher` (OpenSSL cipher list for TLS ≤ 1.2). */
  readonly cipherList: string | null
  /** `tls-ciphersuites` (TLS 1.3). */
  readonly cipherSuites: string | null
  /** `tls-groups` (colon list). */
  readonly groups: string | null
  readonly certProfile: 'legacy' | 'preferred' | 'suiteb' | 'insecure' | null
}

/** Checks of the server certificate (§9, §19.3). */
export interface PeerVerification {
  /** `remote-cert-tls server` (or `ns-cert-type server`). */
  readonly remoteCertTls: 'server' | null
  readonly verifyX509Name: {
    readonly name: string
    readonly type: 'subject' | 'name' | 'name-prefix'
  } | null
  /** `remote-cert-ku` key usage values (hex), empty = not checked. */
  readonly remoteCertKu: readonly string[]
  /** `remote-cert-eku` OID or name, null = not checked. */
  readonly remoteCertEku: string | null
  /** `peer-fingerprint` SHA-256 fingerprints, upper-case colon form. */
  readonly peerFingerprints: readonly string[]
}

export interface IPv4Route {
  readonly network: string
  readonly netmask: string
  /** Gateway address or keyword (`vpn_gateway`, `net_gateway`, `remote_host`), null = default. */
  readonly gateway: string | null
  readonly metric: number | null
  readonly line: number
}

export interface IPv6Route {
  readonly network: string
  readonly bits: number
  readonly gateway: string | null
  readonly metric: number | null
  readonly line: number
}

export type RedirectGatewayFlag =
  'def1' | 'local' | 'autolocal' | 'bypass-dhcp' | 'bypass-dns' | 'block-local' | 'ipv6' | '!ipv4'

export interface RedirectGatewaySetting {
  /** `redirect-gateway` replaces routing; `redirect-private` only adds the routes. */
  readonly kind: 'redirect-gateway' | 'redirect-private'
  readonly flags: readonly RedirectGatewayFlag[]
}

/** `dhcp-option TYPE [VALUE]` (§16.3). */
export interface DhcpOption {
  readonly type: string
  readonly value: string | null
  readonly line: number
}

/** `pull-filter accept|ignore|reject TEXT` (§16.2). */
export interface PullFilter {
  readonly action: 'accept' | 'ignore' | 'reject'
  readonly text: string
}

export interface Routing {
  readonly routeNoPull: boolean
  readonly routes: readonly IPv4Route[]
  readonly routesIPv6: readonly IPv6Route[]
  readonly redirectGateway: RedirectGatewaySetting | null
  readonly routeMetric: number | null
  readonly routeGateway: string | null
  readonly dhcpOptions: readonly DhcpOption[]
  /** `dns …` lines (2.6 syntax), as argument lists, for the backend to interpret. */
  readonly dns: readonly (readonly string[])[]
  readonly blockIPv6: boolean
  readonly blockOutsideDns: boolean
  readonly pullFilters: readonly PullFilter[]
  readonly allowPullFqdn: boolean
}

export interface Timers {
  /** `ping N` (0 = off). */
  readonly ping: number
  /** `ping-restart N` (0 = not set: engine uses 120 s until pushed, §15.1). */
  readonly pingRestart: number
  readonly pingExit: number
  readonly renegSec: number
  readonly renegBytes: number | null
  readonly renegPackets: number | null
  readonly handWindow: number
  readonly tranWindow: number
  readonly tlsTimeout: number
  readonly replayWindow: number
  readonly replayTime: number
}

export interface Retry {
  /** `connect-retry N [MAX]`: first wait and maximum wait in seconds. */
  readonly connectRetry: number
  readonly connectRetryMaxWait: number
  /** `connect-retry-max N`: attempts per remote, null = unlimited. */
  readonly connectRetryMax: number | null
  /** `resolv-retry N|infinite`. */
  readonly resolvRetry: number | 'infinite'
  /** `auth-retry none|nointeract|interact`. */
  readonly authRetry: 'none' | 'nointeract' | 'interact'
}

/** The parsed profile. */
export interface Profile {
  /** `client`, or `tls-client` (+ `pull`). Always true for a profile that parsed. */
  readonly client: boolean
  readonly pull: boolean
  /** `dev tun[N]`: the device name asked for (`tun` = any). */
  readonly dev: string
  /** Connection entries in the order they are tried. Never empty. */
  readonly connections: readonly ConnectionEntry[]
  readonly remoteRandom: boolean
  readonly remoteRandomHostname: boolean
  /** `nobind` (the client always uses an ephemeral local port). */
  readonly nobind: boolean
  readonly float: boolean

  /** `<ca>` certificates (may be several). Empty only when `peer-fingerprint` is used. */
  readonly ca: readonly CertificateInfo[]
  readonly cert: CertificateInfo | null
  readonly extraCerts: readonly CertificateInfo[]
  readonly key: PrivateKeyInfo | null
  /** PEM of `<crl-verify>` when inline, else null. */
  readonly crl: string | null
  /** False with `setenv CLIENT_CERT 0` (server does not require a client certificate). */
  readonly clientCertRequired: boolean

  readonly tlsWrap: TlsWrap
  readonly tls: TlsSettings
  readonly verify: PeerVerification

  /** `data-ciphers` in preference order (optional `?` entries the engine lacks are dropped). */
  readonly dataCiphers: readonly DataCipher[]
  readonly dataCiphersFallback: DataCipher | null
  /** `cipher` (legacy: OCC string / fallback only, §12.4). */
  readonly cipher: DataCipher | null
  /** `auth` digest (tls-auth HMAC and CBC data HMAC, default SHA1). */
  readonly auth: Digest
  readonly compression: Compression

  readonly userPass: UserPassSource
  readonly authNoCache: boolean
  readonly staticChallenge: StaticChallenge | null

  /** Peer-info additions (§10.5): `IV_GUI_VER`, `IV_SSO`, `UV_*` (the latter only when pushed). */
  readonly peerInfo: Readonly<Record<string, string>>
  readonly pushPeerInfo: boolean
  /** Every `setenv NAME VALUE` (not `setenv opt`), in order, last value wins. */
  readonly env: Readonly<Record<string, string>>
  /** Access Server meta options (`# OVPN_ACCESS_SERVER_KEY=value`, `setenv opt KEY value`). */
  readonly meta: Readonly<Record<string, string>>

  readonly routing: Routing
  readonly timers: Timers
  readonly retry: Retry
  /** `explicit-exit-notify` of the top level (0 = off); connection entries carry their own. */
  readonly explicitExitNotify: number
  readonly tunMtu: number
  /** `mssfix [N] [mtu|fixed]`: null = default (1492 for UDP), 0 = off. */
  readonly mssfix: { readonly value: number; readonly mode: 'default' | 'mtu' | 'fixed' } | null

  readonly persistKey: boolean
  readonly persistTun: boolean
  /** `verb` 0–11 (the `log-level` override wins in the backend). */
  readonly verb: number
  readonly mute: number | null

  /** Every option in file order (grammar level), for JSON/text export and re-validation. */
  readonly options: readonly RawOption[]
}
