/**
 * @module native
 * Loader and types for the N-API AEAD addon (`native/src/aead.cc`): one OpenSSL EVP context per
 * key and direction, re-used per packet (spec §13.2; shared guide libraries.md §3).
 */
import { createRequire } from 'node:module'

/** One EVP cipher context for one key and one direction. */
export interface NativeAeadContext {
  /**
   * Writes `header || packet id || tag || ciphertext` into `out` (at least
   * header + 20 + payload bytes long); returns the bytes written.
   */
  seal(out: Uint8Array, header: Uint8Array, packetId: number, payload: Uint8Array): number
  /** Seals `payloads[i]` into `outs[i]` with packet id `firstPacketId + i`; returns the count. */
  sealBatch(
    outs: readonly Uint8Array[],
    header: Uint8Array,
    firstPacketId: number,
    payloads: readonly Uint8Array[]
  ): number
  /**
   * Verifies and decrypts `packet` (header of `headerLength` bytes) into `plaintext`, which must
   * be exactly `packet.length - headerLength - 20` bytes; false (and `plaintext` zeroed) when the
   * tag or the lengths are wrong.
   */
  open(packet: Uint8Array, headerLength: number, plaintext: Uint8Array): boolean
  /** Frees the OpenSSL context now (otherwise when garbage-collected). Later calls throw. */
  destroy(): void
}

/** Cipher ids of the addon. */
export const NativeCipherId = {
  'AES-128-GCM': 0,
  'AES-192-GCM': 1,
  'AES-256-GCM': 2,
  'CHACHA20-POLY1305': 3,
} as const

export type NativeCipherName = keyof typeof NativeCipherId

export interface AeadAddon {
  Context: new (
    cipher: number,
    key: Uint8Array,
    implicitIv: Uint8Array,
    encrypt: boolean
  ) => NativeAeadContext
  /** OpenSSL version string of the library the addon runs on (Node's own). */
  openssl: string
}

/** Raised when the compiled addon is missing or does not load. */
export class AeadAddonLoadError extends Error {
  override readonly name = 'AeadAddonLoadError'
}

let cached: AeadAddon | undefined

/** Loads `native/build/Release/aead.node` (same relative path from `src/` and `dist/`). */
export function loadAeadAddon(): AeadAddon {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  try {
    cached = require('../native/build/Release/aead.node') as AeadAddon
  } catch (cause) {
    throw new AeadAddonLoadError(
      'AEAD addon not built: run `npm ci` (or `npm run build:native -w @openvpn3-ts/aead`)',
      { cause }
    )
  }
  return cached
}
