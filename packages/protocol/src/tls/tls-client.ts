/**
 * @module tls/tls-client
 * Starts a `node:tls` client over a ControlDuplex (spec §9, §23): chain validation against
 * the configured CA, no hostname/SNI check, TLS ≥ 1.2 by default, client certificate and key,
 * and the extra server-certificate checks of `verify.ts` run inside `checkServerIdentity`
 * so a failure aborts the handshake.
 */
import { connect, type TLSSocket } from 'node:tls'
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

export function startTlsClient(duplex: ControlDuplex, opts: TlsClientOptions): TLSSocket {
  const pinnedOnly = !opts.ca && (opts.peerFingerprints?.length ?? 0) > 0
  const ciphers = [opts.ciphers, opts.ciphersuites].filter((c) => c).join(':')
  return connect({
    socket: duplex,
    ...(opts.ca ? { ca: opts.ca } : {}),
    ...(opts.cert ? { cert: opts.cert } : {}),
    ...(opts.key ? { key: opts.key } : {}),
    ...(opts.keyPassphrase ? { passphrase: opts.keyPassphrase } : {}),
    minVersion: opts.minVersion ?? 'TLSv1.2',
    ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
    ...(ciphers ? { ciphers } : {}),
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
