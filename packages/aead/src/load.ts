/**
 * @module load
 * Loads the native AEAD for a caller that must keep working without it: the addon is loaded and
 * checked once against node:crypto (one packet per cipher, both directions), so a broken build or
 * an OpenSSL without one of the ciphers falls back instead of failing on the first data packet.
 */
import { type DataCryptoFactory, createDataCrypto } from '@openvpn3-ts/protocol'
import { createNativeDataCrypto } from './native-data-crypto.js'
import { NativeCipherId, loadAeadAddon } from './native.js'

export type NativeDataCryptoResult =
  { ok: true; factory: DataCryptoFactory; openssl: string } | { ok: false; error: Error }

/** Raised by the self-check when native and node:crypto disagree. */
export class AeadSelfCheckError extends Error {
  override readonly name = 'AeadSelfCheckError'
}

function selfCheck(): void {
  const keyBlock = Buffer.alloc(256)
  for (let i = 0; i < keyBlock.length; i++) keyBlock[i] = (i * 29 + 7) & 0xff
  const header = Buffer.from([0x48, 0x00, 0x00, 0x01])
  const payload = Buffer.from('openvpn3-ts native AEAD self-check')
  for (const cipher of Object.keys(NativeCipherId)) {
    const native = createNativeDataCrypto({ cipher, keyBlock })
    const reference = createDataCrypto({ cipher, keyBlock, role: 'server' })
    const sealed = native.seal(header, 7, payload)
    const opened = reference.open(sealed, header.length)
    const back = native.open(reference.seal(header, 9, payload), header.length)
    if (!opened.payload.equals(payload) || !back.payload.equals(payload) || back.packetId !== 9) {
      throw new AeadSelfCheckError(`${cipher}: native AEAD disagrees with node:crypto`)
    }
  }
}

let result: NativeDataCryptoResult | undefined

/** The native factory, or why it cannot be used (cached; never throws). */
export function loadNativeDataCrypto(): NativeDataCryptoResult {
  if (result) return result
  try {
    const addon = loadAeadAddon()
    selfCheck()
    result = { ok: true, factory: createNativeDataCrypto, openssl: addon.openssl }
  } catch (err) {
    result = { ok: false, error: err instanceof Error ? err : new Error(String(err)) }
  }
  return result
}
