/**
 * @module session/negotiation
 * Pure pieces of the connection state machine: the TLS client options from the engine options
 * (spec §9), cipher choice after the push (spec §12.4), data key block derivation by TLS-EKM or
 * the legacy PRF (spec §12.2, §12.3), the dynamic tls-crypt wrapper (spec §8) and INFO_PRE
 * pending-auth parsing (spec §17.5).
 */
import type { TLSSocket } from 'node:tls'
import { cipherInfo } from '../crypto/ciphers.js'
import {
  EKM_LABEL_DYNAMIC_TLS_CRYPT,
  createDynamicTlsCryptWrap,
  deriveDynamicTlsCryptKey,
} from '../crypto/dynamic-tls-crypt.js'
import { EKM_LABEL_DATA_KEYS, KEY_BLOCK_LENGTH, legacyKeyBlock } from '../crypto/prf.js'
import {
  STATIC_KEY_LENGTH,
  parseStaticKey,
  parseTlsCryptV2ClientKey,
} from '../crypto/static-key.js'
import type { TlsWrap } from '../crypto/tls-wrap.js'
import { PushOptionError, TlsHandshakeError } from '../errors.js'
import type { ResolvedEngineOptions } from '../options.js'
import type { TlsClientOptions } from '../tls/tls-client.js'
import type { ClientKeySource, ServerKeyMethodMessage } from './key-method.js'

export type PendingAuth =
  | { kind: 'open-url'; url: string; flags: string }
  | { kind: 'cr-text'; text: string; echo: boolean; responseRequired: boolean }

export function tlsClientOptions(o: ResolvedEngineOptions): TlsClientOptions {
  return {
    ...(o.ca ? { ca: o.ca } : {}),
    ...(o.cert ? { cert: o.cert } : {}),
    ...(o.key ? { key: o.key } : {}),
    ...(o.keyPassphrase ? { keyPassphrase: o.keyPassphrase } : {}),
    minVersion: o.tlsVersionMin === '1.3' ? 'TLSv1.3' : 'TLSv1.2',
    ...(o.tlsVersionMax ? { maxVersion: o.tlsVersionMax === '1.3' ? 'TLSv1.3' : 'TLSv1.2' } : {}),
    ...(o.tlsCipher ? { ciphers: o.tlsCipher } : {}),
    ...(o.tlsCiphersuites ? { ciphersuites: o.tlsCiphersuites } : {}),
    ...(o.remoteCertTls ? { remoteCertTls: o.remoteCertTls } : {}),
    ...(o.remoteCertEku ? { remoteCertEku: o.remoteCertEku } : {}),
    ...(o.verifyX509Name ? { verifyX509Name: o.verifyX509Name } : {}),
    ...(o.peerFingerprints ? { peerFingerprints: o.peerFingerprints } : {}),
  }
}

/**
 * Cipher choice after the push (spec §12.4): a pushed cipher must be in our data-ciphers; without
 * one, the server's OCC `cipher`, then data-ciphers-fallback.
 */
export function negotiateCipher(
  pushed: string | undefined,
  dataCiphers: readonly string[],
  serverOptions: string,
  fallback: string | undefined
): string {
  const ours = dataCiphers.map((c) => c.replace(/^\?/, '').toUpperCase())
  if (pushed) {
    if (!ours.includes(pushed.toUpperCase())) {
      throw new PushOptionError(
        `server pushed cipher ${pushed}, not in data-ciphers ${ours.join(':')}`
      )
    }
    return cipherInfo(pushed).name
  }
  const occ = /(?:^|,)cipher ([^,]+)/.exec(serverOptions)?.[1]
  if (occ && ours.includes(occ.toUpperCase())) return cipherInfo(occ).name
  if (fallback) return cipherInfo(fallback).name
  throw new PushOptionError('server did not negotiate a data cipher and no fallback is set')
}

/**
 * RFC 5705 exporter without context, as OpenVPN uses it (spec §9). The Node typings demand a
 * context argument, but passing an empty Buffer changes the TLS 1.2 output.
 */
export function exportKeyingMaterial(tls: TLSSocket, length: number, label: string): Buffer {
  const t = tls as unknown as { exportKeyingMaterial(length: number, label: string): Buffer }
  return t.exportKeyingMaterial(length, label)
}

export interface KeyBlockInput {
  method: 'tls-ekm' | 'prf'
  tls: TLSSocket | undefined
  source: ClientKeySource
  serverKm: ServerKeyMethodMessage | undefined
  clientSessionId: Buffer
  serverSessionId: Buffer | undefined
}

/** The 256-byte key block of one key state (spec §12.1–§12.3). The caller zeroes it after use. */
export function dataKeyBlock(i: KeyBlockInput): Buffer {
  if (i.method === 'tls-ekm') {
    if (!i.tls) throw new TlsHandshakeError('no TLS session to export keys from')
    return exportKeyingMaterial(i.tls, KEY_BLOCK_LENGTH, EKM_LABEL_DATA_KEYS)
  }
  if (!i.serverKm || !i.serverSessionId) throw new TlsHandshakeError('key exchange incomplete')
  return legacyKeyBlock({
    preMaster: i.source.preMaster,
    clientRandom1: i.source.random1,
    clientRandom2: i.source.random2,
    serverRandom1: i.serverKm.random1,
    serverRandom2: i.serverKm.random2,
    clientSessionId: i.clientSessionId,
    serverSessionId: i.serverSessionId,
  })
}

/** The dynamic tls-crypt wrapper from the key_id 0 TLS session (spec §8). */
export function dynamicTlsCryptWrap(
  tls: TLSSocket | undefined,
  wrapOption: ResolvedEngineOptions['tlsWrap']
): TlsWrap {
  if (!tls) throw new TlsHandshakeError('no TLS session for dynamic tls-crypt')
  const ekm = exportKeyingMaterial(tls, STATIC_KEY_LENGTH, EKM_LABEL_DYNAMIC_TLS_CRYPT)
  const original =
    wrapOption.mode === 'tls-auth' || wrapOption.mode === 'tls-crypt'
      ? parseStaticKey(wrapOption.key)
      : wrapOption.mode === 'tls-crypt-v2'
        ? parseTlsCryptV2ClientKey(wrapOption.key).key
        : undefined
  const key = deriveDynamicTlsCryptKey(ekm, original)
  const wrap = createDynamicTlsCryptWrap(key)
  key.fill(0)
  ekm.fill(0)
  return wrap
}

/** INFO_PRE extra (spec §17.5): WEB_AUTH, OPEN_URL, CR_TEXT; undefined for anything else. */
export function parseInfoPre(extra: string): PendingAuth | undefined {
  if (extra.startsWith('WEB_AUTH:')) {
    const rest = extra.slice('WEB_AUTH:'.length)
    const i = rest.indexOf(':')
    return {
      kind: 'open-url',
      flags: i >= 0 ? rest.slice(0, i) : '',
      url: i >= 0 ? rest.slice(i + 1) : rest,
    }
  }
  if (extra.startsWith('OPEN_URL:')) {
    return { kind: 'open-url', flags: '', url: extra.slice('OPEN_URL:'.length) }
  }
  if (extra.startsWith('CR_TEXT:')) {
    const rest = extra.slice('CR_TEXT:'.length)
    const i = rest.indexOf(':')
    const flags = i >= 0 ? rest.slice(0, i).split(',') : []
    return {
      kind: 'cr-text',
      text: i >= 0 ? rest.slice(i + 1) : rest,
      echo: flags.includes('E'),
      responseRequired: flags.includes('R'),
    }
  }
  return undefined
}
