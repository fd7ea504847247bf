/**
 * @module wire/data-header
 * Data packet headers: P_DATA_V1 (1 byte) and P_DATA_V2 (opcode/key-id + 24-bit peer id)
 * (spec §13.1).
 */
import { MalformedPacketError, TruncatedPacketError } from '../errors.js'
import {
  DATA_V1_HEADER_LENGTH,
  DATA_V2_HEADER_LENGTH,
  Opcode,
  PEER_ID_UNDEFINED,
  type DataOpcode,
} from './constants.js'
import { decodeOpByte, encodeOpByte } from './opcode.js'

export interface DataHeader {
  opcode: DataOpcode
  keyId: number
  /** Present for P_DATA_V2 only. */
  peerId?: number
}

export function dataHeaderLength(opcode: DataOpcode): number {
  return opcode === Opcode.P_DATA_V2 ? DATA_V2_HEADER_LENGTH : DATA_V1_HEADER_LENGTH
}

export function encodeDataHeader(h: DataHeader): Buffer {
  if (h.opcode === Opcode.P_DATA_V2) {
    const peerId = h.peerId ?? PEER_ID_UNDEFINED
    if (!Number.isInteger(peerId) || peerId < 0 || peerId > PEER_ID_UNDEFINED) {
      throw new MalformedPacketError(`peer id ${peerId} out of range`)
    }
    const b = Buffer.allocUnsafe(DATA_V2_HEADER_LENGTH)
    b.writeUInt32BE(((encodeOpByte(h.opcode, h.keyId) << 24) | peerId) >>> 0, 0)
    return b
  }
  return Buffer.from([encodeOpByte(h.opcode, h.keyId)])
}

export function decodeDataHeader(buf: Buffer): DataHeader {
  const { opcode, keyId } = decodeOpByte(buf)
  if (opcode === Opcode.P_DATA_V2) {
    if (buf.length < DATA_V2_HEADER_LENGTH) throw new TruncatedPacketError('P_DATA_V2 header')
    return { opcode, keyId, peerId: buf.readUInt32BE(0) & 0xffffff }
  }
  if (opcode === Opcode.P_DATA_V1) return { opcode, keyId }
  throw new MalformedPacketError(`opcode ${opcode} is not a data opcode`)
}
