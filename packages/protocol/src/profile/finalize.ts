/**
 * Turns a filled draft into a {@link Profile}: fills OpenVPN 2.6 client defaults (spec
 * openvpn-protocol.md §19.3), resolves each remote's port and protocol from its scope, and runs
 * the checks that need the whole profile: required options, conflicting control-channel
 * protection, certificate/key pairing, cipher and compression consistency.
 */
import { digestSize } from './algorithms.js'
import {
  DEFAULT_AUTH_DIGEST,
  DEFAULT_CONNECT_RETRY,
  DEFAULT_CONNECT_RETRY_MAX_WAIT,
  DEFAULT_CONNECT_TIMEOUT,
  DEFAULT_DATA_CIPHERS,
  DEFAULT_HAND_WINDOW,
  DEFAULT_PORT,
  DEFAULT_RENEG_SEC,
  DEFAULT_REPLAY_TIME,
  DEFAULT_REPLAY_WINDOW,
  DEFAULT_TLS_TIMEOUT,
  DEFAULT_TRAN_WINDOW,
  DEFAULT_TUN_MTU,
  DEFAULT_VERB,
} from './constants.js'
import type { ConnectionDraft, Draft, WrapDraft } from './draft.js'
import type { IssueCollector } from './issues.js'
import type { RawOption } from './option-list.js'
import { keyMatchesCertificate } from './pem.js'
import type { ConnectionEntry, Profile, Remote, TlsWrap } from './profile.js'
import type { DataCipher } from './algorithms.js'

function resolveConnection(
  scope: ConnectionDraft,
  d: Draft,
  issues: IssueCollector,
  auth: Profile['auth']
): ConnectionEntry {
  const top = d.top
  const wrap =
    scope !== top && hasWrap(scope.wrap)
      ? tlsWrap(scope.wrap, scope.wrap.keyDirection ?? top.wrap.keyDirection, d, issues, auth)
      : null
  const remotes: Remote[] = scope.remotes.map((r) => {
    const proto = r.proto ?? scope.proto ?? top.proto ?? { transport: 'udp', family: 'any' }
    return {
      host: r.host,
      port: r.port ?? scope.port ?? top.port ?? DEFAULT_PORT,
      transport: proto.transport,
      family: proto.family,
      line: r.line,
    }
  })
  const exitNotify = scope.explicitExitNotify ?? top.explicitExitNotify ?? 0
  if (exitNotify > 0 && remotes.length > 0 && remotes.every((r) => r.transport === 'tcp')) {
    issues.warn(
      'ignored',
      scope.line,
      'explicit-exit-notify',
      'explicit-exit-notify only applies to UDP; ignored for these TCP remotes'
    )
  }
  return {
    remotes,
    explicitExitNotify: exitNotify,
    connectTimeout: scope.connectTimeout ?? top.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    tlsWrap: wrap,
    line: scope.line,
  }
}

/** The protection of one scope; `inherit` supplies the top-level key-direction to blocks. */
function tlsWrap(
  w: WrapDraft,
  keyDirection: 0 | 1 | null,
  d: Draft,
  issues: IssueCollector,
  auth: Profile['auth']
): TlsWrap {
  const set = [
    w.tlsAuth && { name: 'tls-auth', line: w.tlsAuth.line },
    w.tlsCrypt && { name: 'tls-crypt', line: w.tlsCrypt.line },
    w.tlsCryptV2 && { name: 'tls-crypt-v2', line: w.tlsCryptV2.line },
  ].filter((x): x is { name: string; line: number } => x !== null)
  if (set.length > 1) {
    const [, second] = set
    issues.error(
      'conflict',
      second?.line ?? null,
      second?.name ?? null,
      `only one of tls-auth, tls-crypt and tls-crypt-v2 may be used (found ${set.map((s) => `${s.name} at line ${s.line}`).join(', ')})`
    )
  }
  if (w.tlsCryptV2 !== null) {
    const { key, wrappedKey, text } = w.tlsCryptV2
    return { mode: 'tls-crypt-v2', key, wrappedKey, text }
  }
  if (w.tlsCrypt !== null) return { mode: 'tls-crypt', key: w.tlsCrypt.key, text: w.tlsCrypt.text }
  if (w.tlsAuth !== null) {
    if (digestSize(auth) === 0) {
      issues.error(
        'conflict',
        d.authLine,
        'auth',
        "tls-auth needs an HMAC digest; 'auth none' cannot be used with it"
      )
    }
    if (keyDirection === null) {
      issues.warn(
        'ignored',
        w.tlsAuth.line,
        'tls-auth',
        "no 'key-direction': the key is used bidirectionally; servers usually use 0 and clients 1"
      )
    }
    return { mode: 'tls-auth', key: w.tlsAuth.key, text: w.tlsAuth.text, direction: keyDirection }
  }
  return { mode: 'none' }
}

function hasWrap(w: WrapDraft): boolean {
  return w.tlsAuth !== null || w.tlsCrypt !== null || w.tlsCryptV2 !== null
}

/**
 * `cipher` is ignored for negotiation by 2.6; when no `data-ciphers-fallback` is given it serves
 * as the fallback for servers without cipher negotiation (checked against openvpn 2.6.14).
 */
function fallbackCipher(
  d: Draft,
  list: readonly DataCipher[],
  issues: IssueCollector
): DataCipher | null {
  if (d.cipher !== null && !list.includes(d.cipher)) {
    issues.warn(
      'deprecated',
      null,
      'cipher',
      `'cipher ${d.cipher}' is not in data-ciphers and is ignored for cipher negotiation${d.dataCiphersFallback === null ? '; it is used as data-ciphers-fallback' : ''}. Add it to data-ciphers or use data-ciphers-fallback`
    )
  }
  return d.dataCiphersFallback ?? d.cipher
}

/**
 * Real compression (LZO/LZ4) configured: 2.6 then defaults `allow-compression` to asym (receive
 * only, with a warning) and refuses it when `allow-compression no` was given explicitly.
 */
function compression(d: Draft, issues: IssueCollector): Profile['compression'] {
  const { framing } = d.compression
  const real = framing === 'lzo' || framing === 'lz4' || framing === 'lz4-v2'
  if (!real) return { framing, allow: d.compression.allow }
  if (d.allowCompressionLine !== null && d.compression.allow === 'no') {
    issues.error(
      'conflict',
      d.allowCompressionLine,
      'allow-compression',
      `compression '${framing}' is configured but allow-compression is 'no'`
    )
    return { framing, allow: 'no' }
  }
  const allow = d.allowCompressionLine === null ? 'asym' : d.compression.allow
  issues.warn(
    'unsupported',
    null,
    'compress',
    `compression '${framing}' is configured: this client never compresses${allow === 'asym' ? " and accepts compressed packets ('allow-compression asym')" : ''}; compression has been used to break encryption`
  )
  return { framing, allow }
}

/** Build the profile; reports whole-profile issues into `issues`. */
export function finalize(d: Draft, options: readonly RawOption[], issues: IssueCollector): Profile {
  if (!d.client && !d.tlsClient) {
    issues.error(
      'missing_required',
      null,
      'client',
      "missing 'client' (or 'tls-client' with 'pull')"
    )
  } else if (!d.pull) {
    issues.warn(
      'ignored',
      null,
      'tls-client',
      "'tls-client' without 'pull': the client always pulls options from the server"
    )
  }
  if (d.dev === null) issues.error('missing_required', null, 'dev', "missing 'dev tun'")

  const auth = d.auth ?? DEFAULT_AUTH_DIGEST
  const dataCiphers = [...(d.dataCiphers ?? DEFAULT_DATA_CIPHERS)] as DataCipher[]
  const topUsed = d.top.remotes.length > 0
  if (d.blocks.length > 0 && topUsed) {
    // OpenVPN 2.6 silently uses only the <connection> blocks then; say so.
    issues.warn(
      'ignored',
      d.top.remotes[0]?.line ?? null,
      'remote',
      "'remote' outside <connection> blocks is ignored when <connection> blocks are present"
    )
  }
  const scopes = d.blocks.length > 0 ? d.blocks : topUsed ? [d.top] : []
  const connections = scopes
    .map((s) => resolveConnection(s, d, issues, auth))
    .filter((c) => c.remotes.length > 0)
  if (scopes.length === 0) {
    issues.error('missing_required', null, 'remote', "missing 'remote' (or a <connection> block)")
  }

  if (!d.caSeen && d.peerFingerprints.length === 0) {
    issues.error('missing_required', null, 'ca', 'missing <ca> (or peer-fingerprint)')
  }
  if (d.certSeen && !d.keySeen)
    issues.error('missing_required', null, 'key', '<cert> is given but <key> is missing')
  if (d.keySeen && !d.certSeen)
    issues.error('missing_required', null, 'cert', '<key> is given but <cert> is missing')
  if (
    d.certX509 !== null &&
    d.keyObject !== null &&
    keyMatchesCertificate(d.certX509, d.keyObject) === false
  ) {
    issues.error(
      'key_mismatch',
      null,
      'key',
      'the private key does not belong to the client certificate'
    )
  }
  if (!d.certSeen && d.userPass.mode === 'none' && d.clientCertRequired) {
    issues.warn(
      'missing_required',
      null,
      'cert',
      'no client certificate and no auth-user-pass: the server must accept clients without credentials'
    )
  }
  if (d.staticChallenge !== null && d.userPass.mode === 'none') {
    issues.warn(
      'ignored',
      null,
      'static-challenge',
      'static-challenge needs auth-user-pass; ignored'
    )
  }

  const wrap = tlsWrap(d.top.wrap, d.top.wrap.keyDirection, d, issues, auth)

  const peerInfo: Record<string, string> = {}
  for (const [k, v] of Object.entries(d.peerInfo)) {
    if (!k.startsWith('UV_') || d.pushPeerInfo) peerInfo[k] = v
  }

  return {
    client: d.client || d.tlsClient,
    pull: d.pull,
    dev: d.dev ?? 'tun',
    connections,
    remoteRandom: d.remoteRandom,
    remoteRandomHostname: d.remoteRandomHostname,
    nobind: d.nobind,
    float: d.float,
    ca: d.ca,
    cert: d.cert,
    extraCerts: d.extraCerts,
    key: d.key,
    crl: d.crl,
    clientCertRequired: d.clientCertRequired,
    tlsWrap: wrap,
    tls: { ...d.tls },
    verify: {
      remoteCertTls: d.remoteCertTls,
      verifyX509Name: d.verifyX509Name,
      remoteCertKu: d.remoteCertKu,
      remoteCertEku: d.remoteCertEku,
      peerFingerprints: d.peerFingerprints,
    },
    dataCiphers,
    dataCiphersFallback: fallbackCipher(d, dataCiphers, issues),
    cipher: d.cipher,
    auth,
    compression: compression(d, issues),
    userPass: d.userPass,
    authNoCache: d.authNoCache,
    staticChallenge: d.userPass.mode === 'none' ? null : d.staticChallenge,
    peerInfo,
    pushPeerInfo: d.pushPeerInfo,
    env: { ...d.env },
    meta: { ...d.meta },
    routing: {
      routeNoPull: d.routeNoPull,
      routes: d.routes,
      routesIPv6: d.routesIPv6,
      redirectGateway: d.redirectGateway,
      routeMetric: d.routeMetric,
      routeGateway: d.routeGateway,
      dhcpOptions: d.dhcpOptions,
      dns: d.dns,
      blockIPv6: d.blockIPv6,
      blockOutsideDns: d.blockOutsideDns,
      pullFilters: d.pullFilters,
      allowPullFqdn: d.allowPullFqdn,
    },
    timers: {
      ping: d.ping ?? 0,
      pingRestart: d.pingRestart ?? 0,
      pingExit: d.pingExit ?? 0,
      renegSec: d.renegSec ?? DEFAULT_RENEG_SEC,
      renegBytes: d.renegBytes,
      renegPackets: d.renegPackets,
      handWindow: d.handWindow ?? DEFAULT_HAND_WINDOW,
      tranWindow: d.tranWindow ?? DEFAULT_TRAN_WINDOW,
      tlsTimeout: d.tlsTimeout ?? DEFAULT_TLS_TIMEOUT,
      replayWindow: d.replayWindow ?? DEFAULT_REPLAY_WINDOW,
      replayTime: d.replayTime ?? DEFAULT_REPLAY_TIME,
    },
    retry: {
      connectRetry: d.connectRetry ?? DEFAULT_CONNECT_RETRY,
      connectRetryMaxWait: d.connectRetryMaxWait ?? DEFAULT_CONNECT_RETRY_MAX_WAIT,
      connectRetryMax: d.connectRetryMax,
      resolvRetry: d.resolvRetry ?? 'infinite',
      authRetry: d.authRetry ?? 'none',
    },
    explicitExitNotify: d.top.explicitExitNotify ?? 0,
    tunMtu: d.tunMtu ?? DEFAULT_TUN_MTU,
    mssfix: d.mssfix,
    persistKey: d.persistKey,
    persistTun: d.persistTun,
    verb: d.verb ?? DEFAULT_VERB,
    mute: d.mute,
    options,
  }
}
