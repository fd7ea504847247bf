/**
 * Data-channel cipher and HMAC digest names as a profile writes them (`cipher`, `data-ciphers`,
 * `data-ciphers-fallback`, `auth`; spec openvpn-protocol.md §12.4, §13.2–13.3, §19.3). Names are
 * matched case-insensitively and returned in OpenVPN's canonical spelling, because the server
 * compares IV_CIPHERS case-sensitively against canonical names (§10.5).
 */

/** Ciphers the engine's data channel implements (§13.2 AEAD, §13.3 CBC + HMAC). */
export const SUPPORTED_DATA_CIPHERS = [
  'AES-128-GCM',
  'AES-192-GCM',
  'AES-256-GCM',
  'CHACHA20-POLY1305',
  'AES-128-CBC',
  'AES-192-CBC',
  'AES-256-CBC',
] as const

export type DataCipher = (typeof SUPPORTED_DATA_CIPHERS)[number]

/** Ciphers OpenVPN knows but this engine does not implement (legacy or uncommon). */
const KNOWN_UNSUPPORTED_CIPHERS = new Set([
  'BF-CBC',
  'DES-CBC',
  'DES-EDE-CBC',
  'DES-EDE3-CBC',
  'DESX-CBC',
  'CAST5-CBC',
  'RC2-CBC',
  'RC2-40-CBC',
  'RC2-64-CBC',
  'SEED-CBC',
  'IDEA-CBC',
  'CAMELLIA-128-CBC',
  'CAMELLIA-192-CBC',
  'CAMELLIA-256-CBC',
  'ARIA-128-GCM',
  'ARIA-192-GCM',
  'ARIA-256-GCM',
  'AES-128-CFB',
  'AES-192-CFB',
  'AES-256-CFB',
  'AES-128-OFB',
  'AES-192-OFB',
  'AES-256-OFB',
  'AES-128-CTR',
  'AES-192-CTR',
  'AES-256-CTR',
  'SM4-CBC',
  'NONE',
])

export type CipherLookup =
  | { readonly kind: 'supported'; readonly name: DataCipher }
  | { readonly kind: 'unsupported'; readonly name: string }
  | { readonly kind: 'unknown' }

/** Look a cipher name up, case-insensitively (OpenVPN also accepts `aes-256-gcm`). */
export function lookupCipher(name: string): CipherLookup {
  const upper = name.toUpperCase()
  const supported = SUPPORTED_DATA_CIPHERS.find((c) => c === upper)
  if (supported !== undefined) return { kind: 'supported', name: supported }
  if (KNOWN_UNSUPPORTED_CIPHERS.has(upper)) return { kind: 'unsupported', name: upper }
  return { kind: 'unknown' }
}

/** HMAC digests for `auth` (tls-auth and CBC data channel, §5.1, §13.3); canonical names. */
export const SUPPORTED_DIGESTS = [
  'SHA1',
  'SHA224',
  'SHA256',
  'SHA384',
  'SHA512',
  'SHA512-224',
  'SHA512-256',
  'SHA3-224',
  'SHA3-256',
  'SHA3-384',
  'SHA3-512',
  'BLAKE2S256',
  'BLAKE2B512',
  'MD5',
  'none',
] as const

export type Digest = (typeof SUPPORTED_DIGESTS)[number]

const DIGEST_ALIASES: Readonly<Record<string, Digest>> = {
  'SHA-1': 'SHA1',
  'SHA-224': 'SHA224',
  'SHA-256': 'SHA256',
  'SHA-384': 'SHA384',
  'SHA-512': 'SHA512',
  'RSA-SHA1': 'SHA1',
  'RSA-SHA256': 'SHA256',
  'RSA-SHA384': 'SHA384',
  'RSA-SHA512': 'SHA512',
}

/** Canonical digest name, or null when unknown. `none` stays lower case as OpenVPN writes it. */
export function lookupDigest(name: string): Digest | null {
  if (name.toLowerCase() === 'none') return 'none'
  const upper = name.toUpperCase()
  return DIGEST_ALIASES[upper] ?? SUPPORTED_DIGESTS.find((d) => d === upper) ?? null
}

/** Output size in bytes of an HMAC digest (§5.1: the tls-auth HMAC length L). */
export function digestSize(digest: Digest): number {
  switch (digest) {
    case 'MD5':
      return 16
    case 'SHA1':
      return 20
    case 'SHA224':
    case 'SHA512-224':
    case 'SHA3-224':
      return 28
    case 'SHA256':
    case 'SHA512-256':
    case 'SHA3-256':
    case 'BLAKE2S256':
      return 32
    case 'SHA384':
    case 'SHA3-384':
      return 48
    case 'SHA512':
    case 'SHA3-512':
    case 'BLAKE2B512':
      return 64
    case 'none':
      return 0
  }
}
