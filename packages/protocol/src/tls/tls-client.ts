/**
 * @module tls/tls-client
 * Starts a `node:tls` client over a ControlDuplex (spec §9, §23): chain validation against
 * the configured CA, no hostname/SNI check, TLS ≥ 1.2 by default, client certificate and key,
 * and the extra server-certificate checks of `verify.ts` run inside `checkServerIdentity`
 * so a failure aborts the handshake. The secure context (CA store, certificate, key) can be built
 * ahead with `createTlsContext` and handed in, so the handshake does not parse them (issue 6).
 */
import { type SecureContext, type TLSSocket, connect, createSecureContext } from 'node:tls'
import type { ControlDuplex } from './control-duplex.js'
import { type ServerCertPolicy, verifyServerCertificate } from './verify.js'

export interface TlsClientOptions extends ServerCertPolicy {
  /** PEM CA certificate(s). Required unless peer fingerprints pin the server. */
  ca?: string
  /** PEM client certificate (chain) and private key. */
  cert?: string
  key?: string
  keyPassphrase?: string
  minVersion?: 'TLSv1.2' | 'TLSv1.3'
  maxVersion?: 'TLSv1.2' | 'TLSv1.3'
  /** OpenSSL cipher list for TLS ≤ 1.2. */
  ciphers?: string
  /** TLS 1.3 ciphersuites. */
  ciphersuites?: string
}

/** The secure-context part of the options, as `tls.connect` would pass them on. */
function contextOptions(opts: TlsClientOptions) {
  const ciphers = [opts.ciphers, opts.ciphersuites].filter((c) => c).join(':')
  return {
    ...(opts.ca ? { ca: opts.ca } : {}),
    ...(opts.cert ? { cert: opts.cert } : {}),
    ...(opts.key ? { key: opts.key } : {}),
    ...(opts.keyPassphrase ? { passphrase: opts.keyPassphrase } : {}),
    minVersion: opts.minVersion ?? 'TLSv1.2',
    ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
    ...(ciphers ? { ciphers } : {}),
  } as const
}

/**
 * The secure context `startTlsClient` would build for these options (CA store, certificate,
 * key). Throws what the handshake would throw for them (bad PEM, key mismatch, wrong passphrase).
 */
export function createTlsContext(opts: TlsClientOptions): SecureContext {
  return createSecureContext(contextOptions(opts))
}

/** `context`: one made by `createTlsContext` for the same options; built here when absent. */
export function startTlsClient(
  duplex: ControlDuplex,
  opts: TlsClientOptions,
  context?: SecureContext
): TLSSocket {
  const pinnedOnly = !opts.ca && (opts.peerFingerprints?.length ?? 0) > 0
  return connect({
    socket: duplex,
    ...contextOptions(opts),
    ...(context ? { secureContext: context } : {}),
    rejectUnauthorized: !pinnedOnly,
    // OpenVPN performs no hostname check and sends no SNI (spec §9).
    checkServerIdentity: (_host, cert) => {
      try {
        verifyServerCertificate(cert.raw, opts)
        return undefined
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err))
      }
    },
  })
}
