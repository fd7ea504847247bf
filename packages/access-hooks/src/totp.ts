/**
 * TOTP (RFC 6238) over HOTP (RFC 4226) on node:crypto, with base32 (RFC 4648) secrets and
 * otpauth:// URIs for authenticator apps.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { TOTP_DIGITS, TOTP_STEP_S, TOTP_WINDOW } from './constants.js'

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512'

export interface TotpOptions {
  digits?: number
  stepS?: number
  algorithm?: TotpAlgorithm
  window?: number
}

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'

export function base32Encode(buf: Uint8Array): string {
  let bits = 0
  let value = 0
  let out = ''
  for (const byte of buf) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += B32[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += B32[(value << (5 - bits)) & 31]
  return out
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '')
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of clean) {
    const v = B32.indexOf(ch)
    if (v < 0) throw new RangeError(`invalid base32 character "${ch}"`)
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

export function generateSecret(bytes = 20): string {
  return base32Encode(randomBytes(bytes))
}

/** RFC 4226 HOTP value for a counter. */
export function hotp(
  key: Uint8Array,
  counter: number,
  digits = TOTP_DIGITS,
  algorithm: TotpAlgorithm = 'sha1'
): string {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(counter))
  const mac = createHmac(algorithm, key).update(msg).digest()
  const offset = mac.readUInt8(mac.length - 1) & 0x0f
  const bin = mac.readUInt32BE(offset) & 0x7fffffff
  return String(bin % 10 ** digits).padStart(digits, '0')
}

/** RFC 6238 TOTP code at `timeS` (epoch seconds). */
export function totp(key: Uint8Array, timeS: number, opts: TotpOptions = {}): string {
  const step = Math.floor(timeS / (opts.stepS ?? TOTP_STEP_S))
  return hotp(key, step, opts.digits ?? TOTP_DIGITS, opts.algorithm ?? 'sha1')
}

/**
 * Check a code against steps now±window. Returns the matched time step (for replay protection)
 * or undefined.
 */
export function verifyTotp(
  secretB32: string,
  code: string,
  timeS: number,
  opts: TotpOptions = {}
): number | undefined {
  const digits = opts.digits ?? TOTP_DIGITS
  const clean = code.replace(/\s/g, '')
  if (!/^\d+$/.test(clean) || clean.length !== digits) return undefined
  const key = base32Decode(secretB32)
  const stepS = opts.stepS ?? TOTP_STEP_S
  const now = Math.floor(timeS / stepS)
  const w = opts.window ?? TOTP_WINDOW
  let found: number | undefined
  for (let i = -w; i <= w; i++) {
    const expect = hotp(key, now + i, digits, opts.algorithm ?? 'sha1')
    if (timingSafeEqual(Buffer.from(expect), Buffer.from(clean)) && found === undefined)
      found = now + i
  }
  return found
}

export function otpauthUri(
  secretB32: string,
  account: string,
  issuer: string,
  opts: TotpOptions = {}
): string {
  const p = new URLSearchParams({
    secret: secretB32,
    issuer,
    algorithm: (opts.algorithm ?? 'sha1').toUpperCase(),
    digits: String(opts.digits ?? TOTP_DIGITS),
    period: String(opts.stepS ?? TOTP_STEP_S),
  })
  return `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(account)}?${p.toString()}`
}
