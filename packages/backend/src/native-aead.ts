/**
 * @module native-aead
 * The engine's data-channel crypto for the backend: the native AEAD of `@openvpn3-ts/aead`
 * (OpenSSL EVP contexts re-used per packet, issue 6) when its addon loads and passes its
 * self-check against node:crypto, otherwise the engine's default node:crypto implementation,
 * with one log line saying why. Loading (import, addon, self-check) may run ahead, once the
 * profile is known (`loadNativeAead`, engine-prep.ts); the log line is written at engine start.
 */
import { LogCategory } from '@openvpn3-ts/dbus'
import type { ClientPorts } from '@openvpn3-ts/protocol'

export interface NativeAeadLog {
  client(category: number, text: string): void
}

export interface NativeAeadLoad {
  ports: Pick<ClientPorts, 'dataCrypto'>
  /** why node:crypto is used, when it is */
  unavailable?: string
}

let loaded: Promise<NativeAeadLoad> | undefined
let reported = false

/** Imports and checks the native AEAD once per process; never rejects and never logs. */
export function loadNativeAead(): Promise<NativeAeadLoad> {
  loaded ??= import('@openvpn3-ts/aead').then(
    (m) => {
      const r = m.loadNativeDataCrypto()
      return r.ok
        ? { ports: { dataCrypto: r.factory } }
        : { ports: {}, unavailable: r.error.message }
    },
    (err: unknown) => ({
      ports: {},
      unavailable: err instanceof Error ? err.message : String(err),
    })
  )
  return loaded
}

/** `{ dataCrypto }` for the engine's ports, or `{}` (node:crypto) after logging why (once). */
export async function nativeAeadPorts(
  log: NativeAeadLog
): Promise<Pick<ClientPorts, 'dataCrypto'>> {
  const r = await loadNativeAead()
  if (r.unavailable !== undefined && !reported) {
    reported = true
    log.client(LogCategory.WARN, `Native AEAD unavailable, using node:crypto: ${r.unavailable}`)
  }
  return r.ports
}
