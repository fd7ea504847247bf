/**
 * @module session/tls-wrap-factory
 * Builds a fresh control-channel wrapper for one session from the engine options (spec §4–§7):
 * replay counters and windows are per session.
 */
import { TlsAuthWrap } from '../crypto/tls-auth.js'
import { TlsCryptV2Wrap, TlsCryptWrap } from '../crypto/tls-crypt.js'
import { NoTlsWrap, type TlsWrap } from '../crypto/tls-wrap.js'
import { parseStaticKey, parseTlsCryptV2ClientKey } from '../crypto/static-key.js'
import type { ResolvedEngineOptions } from '../options.js'

export function createTlsWrap(o: ResolvedEngineOptions): TlsWrap {
  const w = o.tlsWrap
  switch (w.mode) {
    case 'none':
      return new NoTlsWrap()
    case 'tls-auth':
      return new TlsAuthWrap({ key: parseStaticKey(w.key), direction: w.direction, digest: o.auth })
    case 'tls-crypt':
      return new TlsCryptWrap({ key: parseStaticKey(w.key) })
    case 'tls-crypt-v2': {
      const k = parseTlsCryptV2ClientKey(w.key)
      return new TlsCryptV2Wrap({ key: k.key }, k.wkc)
    }
  }
}
