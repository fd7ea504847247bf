/**
 * Control-channel key files carried in `<tls-auth>`, `<tls-crypt>` and `<tls-crypt-v2>` blocks:
 * the "OpenVPN Static key V1" hex format (spec openvpn-protocol.md §5.3: 256 bytes between the
 * markers, anything before BEGIN ignored, only hex and whitespace inside) and the tls-crypt-v2
 * client key (§7.1: base64 of Kc (256 bytes) || WKc, WKc ≤ 1024 bytes ending in its own u16
 * length). Results are data; nothing here throws. Messages never contain key material.
 */
import {
  STATIC_KEY_BYTES,
  TLS_CRYPT_V2_KC_BYTES,
  TLS_CRYPT_V2_MAX_WKC_BYTES,
  TLS_CRYPT_V2_MIN_WKC_BYTES,
} from './constants.js'

export type StaticKeyResult =
  { readonly ok: true; readonly key: Buffer } | { readonly ok: false; readonly message: string }

const STATIC_BEGIN = '-----BEGIN OpenVPN Static key V1-----'
const STATIC_END = '-----END OpenVPN Static key V1-----'
const V2_CLIENT_BEGIN = '-----BEGIN OpenVPN tls-crypt-v2 client key-----'
const V2_CLIENT_END = '-----END OpenVPN tls-crypt-v2 client key-----'
const V2_SERVER_BEGIN = '-----BEGIN OpenVPN tls-crypt-v2 server key-----'

/** Body lines between a BEGIN line and its END line, or a message. */
function between(
  text: string,
  begin: string,
  end: string
): { ok: true; lines: string[] } | { ok: false; message: string } {
  const lines = text.split('\n').map((l) => l.trim())
  const start = lines.findIndex((l) => l.startsWith(begin))
  if (start < 0) return { ok: false, message: `no '${begin}' line found` }
  const stop = lines.findIndex((l, i) => i > start && l.startsWith(end))
  if (stop < 0) return { ok: false, message: `no '${end}' line found` }
  return { ok: true, lines: lines.slice(start + 1, stop) }
}

/** Parse an "OpenVPN Static key V1" file (tls-auth / tls-crypt key, §5.3). */
export function parseStaticKey(text: string): StaticKeyResult {
  if (text.includes(V2_CLIENT_BEGIN)) {
    return { ok: false, message: 'this is a tls-crypt-v2 client key; use <tls-crypt-v2>' }
  }
  const body = between(text, STATIC_BEGIN, STATIC_END)
  if (!body.ok) return body
  const hex = body.lines.join('').replace(/\s+/g, '')
  if (!/^[0-9a-fA-F]*$/.test(hex)) {
    return { ok: false, message: 'the static key contains characters other than hex digits' }
  }
  if (hex.length !== STATIC_KEY_BYTES * 2) {
    return {
      ok: false,
      message: `the static key has ${Math.floor(hex.length / 2)} bytes, expected ${STATIC_KEY_BYTES}`,
    }
  }
  return { ok: true, key: Buffer.from(hex, 'hex') }
}

/** A parsed tls-crypt-v2 client key (§7.1). */
export interface TlsCryptV2ClientKey {
  /** Kc: a 256-byte tls-crypt key in the §5.3 layout (the client uses the INVERSE direction). */
  readonly key: Buffer
  /** WKc: the wrapped key the client appends to its V3 reset and WKC_V1 packets. */
  readonly wrappedKey: Buffer
}

export type TlsCryptV2Result =
  | { readonly ok: true; readonly value: TlsCryptV2ClientKey }
  | { readonly ok: false; readonly message: string }

/** Parse a "OpenVPN tls-crypt-v2 client key" block (§7.1). */
export function parseTlsCryptV2ClientKey(text: string): TlsCryptV2Result {
  if (text.includes(V2_SERVER_BEGIN)) {
    return {
      ok: false,
      message: 'this is the tls-crypt-v2 SERVER key; a client needs its own client key',
    }
  }
  if (text.includes(STATIC_BEGIN)) {
    return { ok: false, message: 'this is a static key (tls-crypt v1); use <tls-crypt>' }
  }
  const body = between(text, V2_CLIENT_BEGIN, V2_CLIENT_END)
  if (!body.ok) return body
  const b64 = body.lines.join('').replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) {
    return { ok: false, message: 'the tls-crypt-v2 client key is not valid base64' }
  }
  const raw = Buffer.from(b64, 'base64')
  const wkcLength = raw.length - TLS_CRYPT_V2_KC_BYTES
  if (wkcLength < TLS_CRYPT_V2_MIN_WKC_BYTES || wkcLength > TLS_CRYPT_V2_MAX_WKC_BYTES) {
    return {
      ok: false,
      message: `the tls-crypt-v2 client key has ${raw.length} bytes; expected 256 bytes of key and a wrapped key of ${TLS_CRYPT_V2_MIN_WKC_BYTES}–${TLS_CRYPT_V2_MAX_WKC_BYTES} bytes`,
    }
  }
  const wrappedKey = Buffer.from(raw.subarray(TLS_CRYPT_V2_KC_BYTES))
  const declared = wrappedKey.readUInt16BE(wrappedKey.length - 2)
  if (declared !== wrappedKey.length) {
    return {
      ok: false,
      message: `the wrapped key ends with length ${declared} but is ${wrappedKey.length} bytes long`,
    }
  }
  return {
    ok: true,
    value: { key: Buffer.from(raw.subarray(0, TLS_CRYPT_V2_KC_BYTES)), wrappedKey },
  }
}
