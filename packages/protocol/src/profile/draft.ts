/**
 * The mutable state the directive handlers fill while walking the option list, and the small
 * helpers they share (argument counts, numbers, issue wording). `finalize.ts` turns a draft into
 * a {@link Profile} with OpenVPN 2.6 defaults (spec openvpn-protocol.md §19.3).
 */
import type { DataCipher, Digest } from './algorithms.js'
import type { IssueCollector, ProfileIssueCode } from './issues.js'
import { quote } from './issues.js'
import type { RawOption } from './option-list.js'
import type { CertificateInfo, PrivateKeyInfo } from './pem.js'
import type {
  AddressFamily,
  Compression,
  DhcpOption,
  IPv4Route,
  IPv6Route,
  PullFilter,
  RedirectGatewaySetting,
  StaticChallenge,
  TlsSettings,
  Transport,
  UserPassSource,
} from './profile.js'
import type { TlsCryptV2ClientKey } from './static-key.js'
import { parseInteger } from './values.js'
import type { KeyObject, X509Certificate } from 'node:crypto'

export interface ProtoChoice {
  readonly transport: Transport
  readonly family: AddressFamily
}

export interface RemoteDraft {
  readonly host: string
  readonly port: number | null
  readonly proto: ProtoChoice | null
  readonly line: number
}

/** Control-channel keys of one scope (top level or a `<connection>` block). */
export interface WrapDraft {
  tlsAuth: { key: Buffer; text: string; line: number } | null
  tlsCrypt: { key: Buffer; text: string; line: number } | null
  tlsCryptV2: (TlsCryptV2ClientKey & { text: string; line: number }) | null
  keyDirection: 0 | 1 | null
}

/** Settings that may differ per `<connection>` block (the top level is one such scope). */
export interface ConnectionDraft {
  readonly line: number | null
  remotes: RemoteDraft[]
  wrap: WrapDraft
  proto: ProtoChoice | null
  port: number | null
  explicitExitNotify: number | null
  connectTimeout: number | null
}

export function newConnectionDraft(line: number | null): ConnectionDraft {
  return {
    line,
    remotes: [],
    wrap: { tlsAuth: null, tlsCrypt: null, tlsCryptV2: null, keyDirection: null },
    proto: null,
    port: null,
    explicitExitNotify: null,
    connectTimeout: null,
  }
}

export interface Draft {
  client: boolean
  pull: boolean
  tlsClient: boolean
  dev: string | null
  top: ConnectionDraft
  blocks: ConnectionDraft[]
  remoteRandom: boolean
  remoteRandomHostname: boolean
  nobind: boolean
  float: boolean

  ca: CertificateInfo[]
  caSeen: boolean
  cert: CertificateInfo | null
  certX509: X509Certificate | null
  certSeen: boolean
  extraCerts: CertificateInfo[]
  key: PrivateKeyInfo | null
  keyObject: KeyObject | null
  keySeen: boolean
  crl: string | null
  clientCertRequired: boolean

  tls: { -readonly [K in keyof TlsSettings]: TlsSettings[K] }
  remoteCertTls: 'server' | null
  verifyX509Name: { name: string; type: 'subject' | 'name' | 'name-prefix' } | null
  remoteCertKu: string[]
  remoteCertEku: string | null
  peerFingerprints: string[]

  dataCiphers: DataCipher[] | null
  dataCiphersFallback: DataCipher | null
  cipher: DataCipher | null
  auth: Digest | null
  authLine: number | null
  compression: { -readonly [K in keyof Compression]: Compression[K] }
  allowCompressionLine: number | null

  userPass: UserPassSource
  authNoCache: boolean
  staticChallenge: StaticChallenge | null

  peerInfo: Record<string, string>
  pushPeerInfo: boolean
  env: Record<string, string>
  meta: Record<string, string>
  serverLocked: boolean
  ignoreUnknown: Set<string>

  routeNoPull: boolean
  routes: IPv4Route[]
  routesIPv6: IPv6Route[]
  redirectGateway: RedirectGatewaySetting | null
  routeMetric: number | null
  routeGateway: string | null
  dhcpOptions: DhcpOption[]
  dns: string[][]
  blockIPv6: boolean
  blockOutsideDns: boolean
  pullFilters: PullFilter[]
  allowPullFqdn: boolean

  ping: number | null
  pingRestart: number | null
  pingExit: number | null
  renegSec: number | null
  renegBytes: number | null
  renegPackets: number | null
  handWindow: number | null
  tranWindow: number | null
  tlsTimeout: number | null
  replayWindow: number | null
  replayTime: number | null

  connectRetry: number | null
  connectRetryMaxWait: number | null
  connectRetryMax: number | null
  resolvRetry: number | 'infinite' | null
  authRetry: 'none' | 'nointeract' | 'interact' | null

  tunMtu: number | null
  mssfix: { value: number; mode: 'default' | 'mtu' | 'fixed' } | null
  persistKey: boolean
  persistTun: boolean
  verb: number | null
  mute: number | null
}

export function newDraft(): Draft {
  return {
    client: false,
    pull: false,
    tlsClient: false,
    dev: null,
    top: newConnectionDraft(null),
    blocks: [],
    remoteRandom: false,
    remoteRandomHostname: false,
    nobind: false,
    float: false,
    ca: [],
    caSeen: false,
    cert: null,
    certX509: null,
    certSeen: false,
    extraCerts: [],
    key: null,
    keyObject: null,
    keySeen: false,
    crl: null,
    clientCertRequired: true,
    tls: {
      versionMin: '1.2',
      versionMinOrHighest: false,
      versionMax: null,
      cipherList: null,
      cipherSuites: null,
      groups: null,
      certProfile: null,
    },
    remoteCertTls: null,
    verifyX509Name: null,
    remoteCertKu: [],
    remoteCertEku: null,
    peerFingerprints: [],
    dataCiphers: null,
    dataCiphersFallback: null,
    cipher: null,
    auth: null,
    authLine: null,
    compression: { framing: 'none', allow: 'no' },
    allowCompressionLine: null,
    userPass: { mode: 'none' },
    authNoCache: false,
    staticChallenge: null,
    peerInfo: {},
    pushPeerInfo: false,
    env: {},
    meta: {},
    serverLocked: false,
    ignoreUnknown: new Set(),
    routeNoPull: false,
    routes: [],
    routesIPv6: [],
    redirectGateway: null,
    routeMetric: null,
    routeGateway: null,
    dhcpOptions: [],
    dns: [],
    blockIPv6: false,
    blockOutsideDns: false,
    pullFilters: [],
    allowPullFqdn: false,
    ping: null,
    pingRestart: null,
    pingExit: null,
    renegSec: null,
    renegBytes: null,
    renegPackets: null,
    handWindow: null,
    tranWindow: null,
    tlsTimeout: null,
    replayWindow: null,
    replayTime: null,
    connectRetry: null,
    connectRetryMaxWait: null,
    connectRetryMax: null,
    resolvRetry: null,
    authRetry: null,
    tunMtu: null,
    mssfix: null,
    persistKey: false,
    persistTun: false,
    verb: null,
    mute: null,
  }
}

/** What a directive handler gets: the draft, the issue list, the current connection scope. */
export interface Ctx {
  readonly d: Draft
  readonly issues: IssueCollector
  /** Clock for certificate validity warnings (injectable for tests). */
  readonly now: Date
  /** The scope `remote`, `proto`, `port`… apply to: the top level or a `<connection>` block. */
  readonly conn: ConnectionDraft
  readonly inConnection: boolean
}

/** The option being handled. */
export type Opt = RawOption

export function err(
  ctx: Ctx,
  o: Opt,
  message: string,
  code: ProfileIssueCode = 'invalid_argument'
) {
  ctx.issues.error(code, o.line, o.name, message)
}

export function warn(ctx: Ctx, o: Opt, message: string, code: ProfileIssueCode = 'ignored') {
  ctx.issues.warn(code, o.line, o.name, message)
}

/** Check the argument count; reports and returns false when it is outside [min, max]. */
export function arity(ctx: Ctx, o: Opt, min: number, max: number): boolean {
  if (o.args.length < min) {
    const what = min === max ? `exactly ${min}` : `at least ${min}`
    err(
      ctx,
      o,
      `needs ${what} argument${min === 1 ? '' : 's'}, got ${o.args.length}`,
      'missing_argument'
    )
    return false
  }
  if (o.args.length > max) {
    const extra = o.args
      .slice(max)
      .map((a) => quote(a))
      .join(' ')
    err(
      ctx,
      o,
      max === 0
        ? `takes no arguments (got ${extra})`
        : `takes at most ${max} argument${max === 1 ? '' : 's'} (extra: ${extra})`,
      'too_many_arguments'
    )
    return false
  }
  return true
}

/** Argument `index` as an integer in [min, max]; reports and returns null otherwise. */
export function intArg(
  ctx: Ctx,
  o: Opt,
  index: number,
  min: number,
  max: number,
  what = 'a number'
): number | null {
  const text = o.args[index] ?? ''
  const n = parseInteger(text, min, max)
  if (n === null) err(ctx, o, `${quote(text)} is not ${what} in the range ${min}–${max}`)
  return n
}
