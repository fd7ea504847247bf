/**
 * @module wire/tcp-framing
 * TCP stream framing: `u16 length || packet` records (spec §1). The decoder is incremental:
 * it buffers partial input, returns whole packets and enforces a maximum packet size and a
 * maximum unprocessed backlog.
 */
import { FramingLimitError, MalformedPacketError } from '../errors.js'

export const TCP_LENGTH_PREFIX = 2
export const MAX_TCP_PACKET = 0xffff

export function encodeTcpFrame(packet: Uint8Array): Buffer {
  if (packet.length > MAX_TCP_PACKET) {
    throw new MalformedPacketError(`packet of ${packet.length} bytes does not fit a TCP record`)
  }
  const out = Buffer.allocUnsafe(TCP_LENGTH_PREFIX + packet.length)
  out.writeUInt16BE(packet.length, 0)
  out.set(packet, TCP_LENGTH_PREFIX)
  return out
}

export interface TcpFrameDecoderLimits {
  /** Largest accepted packet (default 65535). A zero-length record is rejected too. */
  maxPacket?: number
  /** Largest amount of buffered, not yet complete input (default 2 × (maxPacket + 2)). */
  maxBacklog?: number
}

export class TcpFrameDecoder {
  private chunks: Buffer[] = []
  private buffered = 0
  private readonly maxPacket: number
  private readonly maxBacklog: number

  constructor(limits: TcpFrameDecoderLimits = {}) {
    this.maxPacket = limits.maxPacket ?? MAX_TCP_PACKET
    this.maxBacklog = limits.maxBacklog ?? 2 * (this.maxPacket + TCP_LENGTH_PREFIX)
  }

  /** Feeds bytes; returns every packet completed by them (possibly none). */
  push(chunk: Uint8Array): Buffer[] {
    if (chunk.length === 0) return []
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
    this.buffered += chunk.length
    let buf = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks)
    const out: Buffer[] = []
    let o = 0
    while (buf.length - o >= TCP_LENGTH_PREFIX) {
      const len = buf.readUInt16BE(o)
      if (len === 0 || len > this.maxPacket) {
        throw new FramingLimitError(`TCP record length ${len} outside 1..${this.maxPacket}`)
      }
      if (buf.length - o - TCP_LENGTH_PREFIX < len) break
      out.push(Buffer.from(buf.subarray(o + TCP_LENGTH_PREFIX, o + TCP_LENGTH_PREFIX + len)))
      o += TCP_LENGTH_PREFIX + len
    }
    buf = buf.subarray(o)
    this.chunks = buf.length > 0 ? [buf] : []
    this.buffered = buf.length
    if (this.buffered > this.maxBacklog) {
      throw new FramingLimitError(`TCP backlog ${this.buffered} exceeds ${this.maxBacklog}`)
    }
    return out
  }

  get backlog(): number {
    return this.buffered
  }
}
