/**
 * @module wire/opcode
 * The first byte of every packet: opcode (5 bits) and key id (3 bits) (spec §2).
 */
import { MalformedPacketError, TruncatedPacketError } from '../errors.js'
import {
  KEY_ID_MASK,
  OPCODE_SHIFT,
  type Opcode,
  isControlOpcode,
  isDataOpcode,
} from './constants.js'

export interface OpByte {
  opcode: Opcode
  keyId: number
}

export function encodeOpByte(opcode: Opcode, keyId: number): number {
  if (!Number.isInteger(keyId) || keyId < 0 || keyId > KEY_ID_MASK) {
    throw new MalformedPacketError(`key id ${keyId} out of range 0..7`)
  }
  return (opcode << OPCODE_SHIFT) | keyId
}

/** Reads and validates the first byte; throws for opcodes outside 3..11 (2.6 drops them). */
export function decodeOpByte(packet: Uint8Array): OpByte {
  if (packet.length < 1) throw new TruncatedPacketError('empty packet')
  const b = packet[0] ?? 0
  const op = b >> OPCODE_SHIFT
  if (!isControlOpcode(op) && !isDataOpcode(op)) {
    throw new MalformedPacketError(`unknown opcode ${op}`)
  }
  return { opcode: op, keyId: b & KEY_ID_MASK }
}
