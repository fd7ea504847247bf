/**
 * @module crypto/static-key
 * Key files: "OpenVPN Static key V1" (256 bytes, spec §5.3) and the tls-crypt-v2 client key
 * (Kc || WKc, spec §7.1). Also the key-direction slot selection of spec §5.3.
 */
import { KeyFileError } from '../errors.js'
import { TLS_CRYPT_V2_MAX_WKC_LENGTH } from '../wire/constants.js'

export const STATIC_KEY_LENGTH = 256
const BEGIN_STATIC = '-----BEGIN OpenVPN Static key V1-----'
const END_STATIC = '-----END OpenVPN Static key V1-----'
const BEGIN_V2 = '-----BEGIN OpenVPN tls-crypt-v2 client key-----'
const END_V2 = '-----END OpenVPN tls-crypt-v2 client key-----'

/** Parses the 256-byte static key; text before the BEGIN line is ignored. */
export function parseStaticKey(text: string): Buffer {
  const start = text.indexOf(BEGIN_STATIC)
  const end = text.indexOf(END_STATIC)
  if (start < 0 || end < start) throw new KeyFileError('no "OpenVPN Static key V1" block found')
  const body = text.slice(start + BEGIN_STATIC.length, end).replace(/\s+/g, '')
  if (!/^[0-9a-fA-F]*$/.test(body)) throw new KeyFileError('static key block contains non-hex')
  const key = Buffer.from(body, 'hex')
  if (key.length !== STATIC_KEY_LENGTH) {
    throw new KeyFileError(`static key has ${key.length} bytes, expected ${STATIC_KEY_LENGTH}`)
  }
  return key
}

export function formatStaticKey(key: Buffer): string {
  const hex = key.toString('hex')
  const lines = hex.match(/.{1,32}/g) ?? []
  return `${BEGIN_STATIC}\n${lines.join('\n')}\n${END_STATIC}\n`
}

export interface TlsCryptV2ClientKey {
  /** The 256-byte tls-crypt key Kc. */
  key: Buffer
  /** The wrapped client key, appended verbatim to V3 resets and WKC packets. */
  wkc: Buffer
}

export function parseTlsCryptV2ClientKey(text: string): TlsCryptV2ClientKey {
  const start = text.indexOf(BEGIN_V2)
  const end = text.indexOf(END_V2)
  if (start < 0 || end < start) throw new KeyFileError('no tls-crypt-v2 client key block found')
  const b64 = text.slice(start + BEGIN_V2.length, end).replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new KeyFileError('tls-crypt-v2 key is not base64')
  const raw = Buffer.from(b64, 'base64')
  if (raw.length <= STATIC_KEY_LENGTH + 2) throw new KeyFileError('tls-crypt-v2 key too short')
  const key = Buffer.from(raw.subarray(0, STATIC_KEY_LENGTH))
  const wkc = Buffer.from(raw.subarray(STATIC_KEY_LENGTH))
  if (wkc.length > TLS_CRYPT_V2_MAX_WKC_LENGTH) throw new KeyFileError('WKc too long')
  if (wkc.readUInt16BE(wkc.length - 2) !== wkc.length) {
    throw new KeyFileError('WKc length trailer does not match its size')
  }
  return { key, wkc }
}

/** Key direction (spec §5.3): undefined = bidirectional, 0 = normal, 1 = inverse. */
export type KeyDirection = 0 | 1 | undefined

export interface DirectionalSlots {
  /** 128-byte key used for sending: cipher slot (64) then HMAC slot (64). */
  send: Buffer
  /** 128-byte key used for receiving. */
  receive: Buffer
}

export function selectDirection(key: Buffer, direction: KeyDirection): DirectionalSlots {
  if (key.length !== STATIC_KEY_LENGTH) throw new KeyFileError('static key must be 256 bytes')
  const k0 = key.subarray(0, 128)
  const k1 = key.subarray(128, 256)
  if (direction === undefined) return { send: k0, receive: k0 }
  return direction === 0 ? { send: k0, receive: k1 } : { send: k1, receive: k0 }
}
