/**
 * @module @openvpn3-ts/aead
 * Native data-channel AEAD for the protocol engine (spec §13.2): AES-128/192/256-GCM and
 * CHACHA20-POLY1305 over the OpenSSL inside Node, one EVP context per key and direction re-used
 * for every packet. Plug it in through `ClientPorts.dataCrypto`.
 *
 * @example
 * import { loadNativeDataCrypto } from '@openvpn3-ts/aead'
 * const aead = loadNativeDataCrypto()
 * const client = createClient(options, { tun, ...(aead.ok ? { dataCrypto: aead.factory } : {}) })
 */
export { NativeAeadCrypto, createNativeDataCrypto } from './native-data-crypto.js'
export { AeadSelfCheckError, loadNativeDataCrypto, type NativeDataCryptoResult } from './load.js'
export {
  AeadAddonLoadError,
  NativeCipherId,
  loadAeadAddon,
  type AeadAddon,
  type NativeAeadContext,
  type NativeCipherName,
} from './native.js'
