/**
 * @module native-aead
 * The engine's data-channel crypto for the backend: the native AEAD of `@openvpn3-ts/aead`
 * (OpenSSL EVP contexts re-used per packet, issue 6) when its addon loads and passes its
 * self-check against node:crypto, otherwise the engine's default node:crypto implementation,
 * with one log line saying why. Loaded lazily at engine start, like the engine itself.
 */
import { LogCategory } from '@openvpn3-ts/dbus'
import type { ClientPorts } from '@openvpn3-ts/protocol'

export interface NativeAeadLog {
  client(category: number, text: string): void
}

let loaded: Promise<Pick<ClientPorts, 'dataCrypto'>> | undefined

/** `{ dataCrypto }` for the engine's ports, or `{}` (node:crypto) after logging why. */
export function nativeAeadPorts(log: NativeAeadLog): Promise<Pick<ClientPorts, 'dataCrypto'>> {
  loaded ??= import('@openvpn3-ts/aead').then(
    (m) => {
      const r = m.loadNativeDataCrypto()
      if (r.ok) return { dataCrypto: r.factory }
      log.client(LogCategory.WARN, `Native AEAD unavailable, using node:crypto: ${r.error.message}`)
      return {}
    },
    (err: unknown) => {
      const why = err instanceof Error ? err.message : String(err)
      log.client(LogCategory.WARN, `Native AEAD unavailable, using node:crypto: ${why}`)
      return {}
    }
  )
  return loaded
}
