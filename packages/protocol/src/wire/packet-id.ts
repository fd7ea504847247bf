/**
 * @module wire/packet-id
 * Replay packet ids: the 8-byte long form (u32 id, u32 time) used by tls-auth/tls-crypt
 * (spec §4.1) and the 4-byte short form of the data channel (spec §13.2).
 */
import { PacketIdExhaustedError, TruncatedPacketError } from '../errors.js'
import { LONG_PACKET_ID_LENGTH } from './constants.js'

export interface LongPacketId {
  id: number
  time: number
}

export function encodeLongPacketId(p: LongPacketId): Buffer {
  const b = Buffer.allocUnsafe(LONG_PACKET_ID_LENGTH)
  b.writeUInt32BE(p.id >>> 0, 0)
  b.writeUInt32BE(p.time >>> 0, 4)
  return b
}

export function decodeLongPacketId(buf: Uint8Array, offset = 0): LongPacketId {
  if (buf.length < offset + LONG_PACKET_ID_LENGTH) throw new TruncatedPacketError('packet id')
  const v = Buffer.from(buf.buffer, buf.byteOffset, buf.length)
  return { id: v.readUInt32BE(offset), time: v.readUInt32BE(offset + 4) }
}

/**
 * Sender counter for the long form: id starts at `start + 1`, time is fixed at the first use;
 * past 0xFFFFFFFF the id restarts at 1 with a later time (spec §4.1, `packet_id_send_update`).
 */
export class LongPacketIdCounter {
  private id: number
  private time = 0
  constructor(
    start = 0,
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000)
  ) {
    this.id = start
  }
  next(): LongPacketId {
    if (this.time === 0) this.time = this.nowSeconds()
    if (this.id >= 0xffffffff) {
      this.id = 0
      this.time = Math.max(this.time + 1, this.nowSeconds())
    }
    this.id += 1
    return { id: this.id, time: this.time }
  }
}

/** Sender counter for the short form: starts at 1 and never wraps (spec §13.2). */
export class ShortPacketIdCounter {
  private id = 0
  /** Returns the next id; throws PacketIdExhaustedError instead of wrapping. */
  next(): number {
    if (this.id >= 0xffffffff) throw new PacketIdExhaustedError('data packet id exhausted')
    this.id += 1
    return this.id
  }
  get current(): number {
    return this.id
  }
}
