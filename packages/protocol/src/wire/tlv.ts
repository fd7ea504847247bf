/**
 * @module wire/tlv
 * Early-negotiation TLVs in the payload of the server's hard reset (spec §7.4):
 * `u16 type || u16 length || value`, unknown types skipped, truncation is an error.
 */
import { TruncatedPacketError } from '../errors.js'
import { EARLY_NEG_FLAG_RESEND_WKC, TLV_TYPE_EARLY_NEG_FLAGS } from './constants.js'

export interface Tlv {
  type: number
  value: Buffer
}

export function encodeTlvs(tlvs: Tlv[]): Buffer {
  return Buffer.concat(
    tlvs.map((t) => {
      const h = Buffer.allocUnsafe(4)
      h.writeUInt16BE(t.type, 0)
      h.writeUInt16BE(t.value.length, 2)
      return Buffer.concat([h, t.value])
    })
  )
}

export function decodeTlvs(buf: Buffer): Tlv[] {
  const out: Tlv[] = []
  let o = 0
  while (o < buf.length) {
    if (buf.length - o < 4) throw new TruncatedPacketError('TLV header')
    const type = buf.readUInt16BE(o)
    const len = buf.readUInt16BE(o + 2)
    o += 4
    if (buf.length - o < len) throw new TruncatedPacketError(`TLV ${type} value`)
    out.push({ type, value: Buffer.from(buf.subarray(o, o + len)) })
    o += len
  }
  return out
}

/** True when the server asked for the WKc to be resent with message id 1. */
export function wantsWkcResend(tlvs: Tlv[]): boolean {
  return tlvs.some(
    (t) =>
      t.type === TLV_TYPE_EARLY_NEG_FLAGS &&
      t.value.length >= 2 &&
      (t.value.readUInt16BE(0) & EARLY_NEG_FLAG_RESEND_WKC) !== 0
  )
}
