/**
 * @module wire/control-packet
 * The logical (unwrapped) control packet layout (spec §3.1):
 *
 *   op/kid(1) | own sid(8) | ack count(1) | acks(4·n) | [remote sid(8) if n>0] | [msg id(4) unless P_ACK_V1] | payload
 *
 * tls-auth / tls-crypt insert their fields after the own session id; see `crypto/`.
 */
import { MalformedPacketError, TruncatedPacketError } from '../errors.js'
import {
  MAX_ACKS,
  Opcode,
  SESSION_ID_LENGTH,
  type ControlOpcode,
  isControlOpcode,
} from './constants.js'
import { decodeOpByte, encodeOpByte } from './opcode.js'

export interface ControlPacket {
  opcode: ControlOpcode
  keyId: number
  /** Sender's session id (8 bytes). */
  sessionId: Buffer
  /** Acknowledged message ids (0..8). */
  acks: number[]
  /** Receiver's session id; present iff acks is non-empty. */
  remoteSessionId?: Buffer
  /** Reliability message id; absent iff opcode is P_ACK_V1. */
  messageId?: number
  payload: Buffer
}

/** Offset where the wrap fields (tls-auth HMAC, tls-crypt) begin: after op byte + own sid. */
export const CONTROL_HEADER_LENGTH = 1 + SESSION_ID_LENGTH

/** `ACK_SIZE(n)` of upstream `reliable.h`. */
export function ackSize(n: number): number {
  return 1 + (n > 0 ? SESSION_ID_LENGTH : 0) + 4 * n
}

export function encodeControlPacket(p: ControlPacket): Buffer {
  if (p.sessionId.length !== SESSION_ID_LENGTH) {
    throw new MalformedPacketError('session id must be 8 bytes')
  }
  if (p.acks.length > MAX_ACKS) throw new MalformedPacketError(`too many acks: ${p.acks.length}`)
  const isAck = p.opcode === Opcode.P_ACK_V1
  if (isAck !== (p.messageId === undefined)) {
    throw new MalformedPacketError('message id must be present on all control opcodes but P_ACK_V1')
  }
  if (p.acks.length > 0 && p.remoteSessionId?.length !== SESSION_ID_LENGTH) {
    throw new MalformedPacketError('acks require an 8-byte remote session id')
  }
  const len = CONTROL_HEADER_LENGTH + ackSize(p.acks.length) + (isAck ? 0 : 4) + p.payload.length
  const out = Buffer.allocUnsafe(len)
  let o = 0
  out[o++] = encodeOpByte(p.opcode, p.keyId)
  p.sessionId.copy(out, o)
  o += SESSION_ID_LENGTH
  out[o++] = p.acks.length
  for (const id of p.acks) {
    out.writeUInt32BE(id >>> 0, o)
    o += 4
  }
  if (p.acks.length > 0 && p.remoteSessionId) {
    p.remoteSessionId.copy(out, o)
    o += SESSION_ID_LENGTH
  }
  if (p.messageId !== undefined) {
    out.writeUInt32BE(p.messageId >>> 0, o)
    o += 4
  }
  p.payload.copy(out, o)
  return out
}

export function decodeControlPacket(buf: Buffer): ControlPacket {
  const { opcode, keyId } = decodeOpByte(buf)
  if (!isControlOpcode(opcode)) throw new MalformedPacketError(`opcode ${opcode} is not control`)
  if (buf.length < CONTROL_HEADER_LENGTH + 1) {
    throw new TruncatedPacketError(`control packet of ${buf.length} bytes`)
  }
  let o = 1
  const sessionId = Buffer.from(buf.subarray(o, o + SESSION_ID_LENGTH))
  o += SESSION_ID_LENGTH
  const n = buf.readUInt8(o++)
  if (n > MAX_ACKS) throw new MalformedPacketError(`ack count ${n} exceeds ${MAX_ACKS}`)
  const isAck = opcode === Opcode.P_ACK_V1
  const need = o + 4 * n + (n > 0 ? SESSION_ID_LENGTH : 0) + (isAck ? 0 : 4)
  if (buf.length < need) throw new TruncatedPacketError(`control packet needs ${need} bytes`)
  const acks: number[] = []
  for (let i = 0; i < n; i++) {
    acks.push(buf.readUInt32BE(o))
    o += 4
  }
  const packet: ControlPacket = { opcode, keyId, sessionId, acks, payload: Buffer.alloc(0) }
  if (n > 0) {
    packet.remoteSessionId = Buffer.from(buf.subarray(o, o + SESSION_ID_LENGTH))
    o += SESSION_ID_LENGTH
  }
  if (!isAck) {
    packet.messageId = buf.readUInt32BE(o)
    o += 4
  }
  packet.payload = Buffer.from(buf.subarray(o))
  return packet
}
