/**
 * @module profile-mapping
 * Maps a parsed `.ovpn` Profile (profile/) onto the engine's own options (spec §19.3): the engine
 * never depends on the profile grammar, only on this plain-data mapping. The backend may
 * override fields (credentials, pinned values) with `overrides`.
 */
import type { EngineOptions } from './options.js'
import type { Profile } from './profile/index.js'

function tlsVersion(v: '1.0' | '1.1' | '1.2' | '1.3'): '1.2' | '1.3' {
  return v === '1.3' ? '1.3' : '1.2'
}

export function engineOptionsFromProfile(
  profile: Profile,
  overrides: Partial<EngineOptions> = {}
): EngineOptions {
  const remotes = profile.connections.flatMap((c) =>
    c.remotes.map((r) => ({ host: r.host, port: r.port, proto: r.transport }))
  )
  const eenEntry = profile.connections.find((c) => c.explicitExitNotify > 0)
  const w = profile.tlsWrap
  const tlsWrap: EngineOptions['tlsWrap'] =
    w.mode === 'none'
      ? { mode: 'none' }
      : w.mode === 'tls-auth'
        ? {
            mode: 'tls-auth',
            key: w.text,
            ...(w.direction !== null ? { direction: w.direction } : {}),
          }
        : { mode: w.mode, key: w.text }
  const v = profile.verify
  const t = profile.timers
  const r = profile.retry
  const up = profile.userPass
  const framing = profile.compression.framing
  const certChain = profile.cert
    ? [profile.cert.pem, ...profile.extraCerts.map((c) => c.pem)].join('\n')
    : undefined
  const opts: EngineOptions = {
    remotes,
    remoteRandom: profile.remoteRandom,
    ...(profile.ca.length > 0 ? { ca: profile.ca.map((c) => c.pem).join('\n') } : {}),
    ...(certChain ? { cert: certChain } : {}),
    ...(profile.key ? { key: profile.key.pem } : {}),
    tlsWrap,
    auth: profile.auth,
    dataCiphers: [...profile.dataCiphers],
    ...(profile.dataCiphersFallback ? { dataCiphersFallback: profile.dataCiphersFallback } : {}),
    ...(v.remoteCertTls ? { remoteCertTls: v.remoteCertTls } : {}),
    ...(v.remoteCertEku ? { remoteCertEku: v.remoteCertEku } : {}),
    ...(v.verifyX509Name ? { verifyX509Name: { ...v.verifyX509Name } } : {}),
    ...(v.peerFingerprints.length > 0 ? { peerFingerprints: [...v.peerFingerprints] } : {}),
    tlsVersionMin: tlsVersion(profile.tls.versionMin),
    ...(profile.tls.versionMax ? { tlsVersionMax: tlsVersion(profile.tls.versionMax) } : {}),
    ...(profile.tls.cipherList ? { tlsCipher: profile.tls.cipherList } : {}),
    ...(profile.tls.cipherSuites ? { tlsCiphersuites: profile.tls.cipherSuites } : {}),
    authUserPass: up.mode !== 'none',
    ...(up.mode === 'inline' ? { username: up.username } : {}),
    ...(up.mode === 'inline' && up.password !== null ? { password: up.password } : {}),
    ...(profile.staticChallenge
      ? {
          staticChallenge: {
            text: profile.staticChallenge.text,
            echo: profile.staticChallenge.echo,
            format: profile.staticChallenge.format,
          },
        }
      : {}),
    authNoCache: profile.authNoCache,
    authRetry: r.authRetry,
    pushPeerInfo: profile.pushPeerInfo,
    setenv: { ...profile.peerInfo },
    handWindow: t.handWindow,
    tlsTimeout: t.tlsTimeout,
    renegSec: t.renegSec,
    ...(t.renegBytes !== null ? { renegBytes: t.renegBytes } : {}),
    tranWindow: t.tranWindow,
    ...(t.ping > 0 ? { ping: t.ping } : {}),
    ...(t.pingRestart > 0 ? { pingRestart: t.pingRestart } : {}),
    explicitExitNotify: eenEntry?.explicitExitNotify ?? profile.explicitExitNotify,
    connectRetry: r.connectRetry,
    connectRetryMaxDelay: r.connectRetryMaxWait,
    ...(r.connectRetryMax !== null ? { connectRetryMax: r.connectRetryMax } : {}),
    tunMtu: profile.tunMtu,
    compression:
      framing === 'lzo-stub' || framing === 'lzo'
        ? 'lzo-no'
        : framing === 'stub' || framing === 'lz4'
          ? 'stub'
          : framing === 'stub-v2' || framing === 'lz4-v2'
            ? 'stub-v2'
            : 'none',
    routeNopull: profile.routing.routeNoPull,
    pullFilters: profile.routing.pullFilters.map((f) => ({ action: f.action, text: f.text })),
  }
  return { ...opts, ...overrides }
}
