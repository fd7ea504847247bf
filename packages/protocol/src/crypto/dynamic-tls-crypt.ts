/**
 * @module crypto/dynamic-tls-crypt
 * Dynamic tls-crypt for renegotiations (spec §8, IV_PROTO bit 9, pushed `protocol-flags
 * dyn-tls-crypt`): a tls-crypt key exported from the key_id 0 TLS session, XORed with the
 * original static key when there is one, protecting every control packet with key_id > 0.
 */
import { KeyFileError } from '../errors.js'
import { STATIC_KEY_LENGTH } from './static-key.js'
import { TlsCryptWrap } from './tls-crypt.js'

export const EKM_LABEL_DYNAMIC_TLS_CRYPT = 'EXPORTER-OpenVPN-dynamic-tls-crypt'

/** R = EKM (XOR the original 256-byte key, if any). */
export function deriveDynamicTlsCryptKey(ekm: Buffer, original?: Buffer): Buffer {
  if (ekm.length !== STATIC_KEY_LENGTH)
    throw new KeyFileError('dynamic tls-crypt EKM must be 256 bytes')
  const r = Buffer.from(ekm)
  if (original) {
    if (original.length !== STATIC_KEY_LENGTH)
      throw new KeyFileError('original key must be 256 bytes')
    for (let i = 0; i < STATIC_KEY_LENGTH; i++) r[i] = (r[i] ?? 0) ^ (original[i] ?? 0)
  }
  return r
}

/** A client-side tls-crypt wrapper over the dynamic key, with its own replay counter. */
export function createDynamicTlsCryptWrap(key: Buffer): TlsCryptWrap {
  return new TlsCryptWrap({ key })
}
