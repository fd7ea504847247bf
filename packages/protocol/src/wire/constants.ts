/**
 * @module wire/constants
 * Wire constants of the OpenVPN protocol (spec §2, §3, §4, §13). Spec constants carry the
 * upstream name; implementation choices are kept in `../constants.ts`.
 */

/** Opcodes, the upper 5 bits of the first byte (spec §2, upstream `ssl_pkt.h`). */
export const Opcode = {
  P_CONTROL_SOFT_RESET_V1: 3,
  P_CONTROL_V1: 4,
  P_ACK_V1: 5,
  P_DATA_V1: 6,
  P_CONTROL_HARD_RESET_CLIENT_V2: 7,
  P_CONTROL_HARD_RESET_SERVER_V2: 8,
  P_DATA_V2: 9,
  P_CONTROL_HARD_RESET_CLIENT_V3: 10,
  P_CONTROL_WKC_V1: 11,
} as const
export type Opcode = (typeof Opcode)[keyof typeof Opcode]
export type DataOpcode = typeof Opcode.P_DATA_V1 | typeof Opcode.P_DATA_V2
export type ControlOpcode = Exclude<Opcode, DataOpcode>

/** Printable names, for logs. */
export const OPCODE_NAMES: Readonly<Record<Opcode, string>> = Object.freeze({
  3: 'P_CONTROL_SOFT_RESET_V1',
  4: 'P_CONTROL_V1',
  5: 'P_ACK_V1',
  6: 'P_DATA_V1',
  7: 'P_CONTROL_HARD_RESET_CLIENT_V2',
  8: 'P_CONTROL_HARD_RESET_SERVER_V2',
  9: 'P_DATA_V2',
  10: 'P_CONTROL_HARD_RESET_CLIENT_V3',
  11: 'P_CONTROL_WKC_V1',
})

/** `P_OPCODE_SHIFT` (spec §2). */
export const OPCODE_SHIFT = 3
/** `P_KEY_ID_MASK` (spec §2). */
export const KEY_ID_MASK = 0x07
/** Session ids are 8 bytes (spec §3.2, `session_id.h`). */
export const SESSION_ID_LENGTH = 8
/** `RELIABLE_ACK_SIZE`: at most 8 acks per packet (spec §3.1). */
export const MAX_ACKS = 8
/** `CONTROL_SEND_ACK_MAX`: acks piggy-backed on reliable packets (spec §3.4). */
export const CONTROL_SEND_ACK_MAX = 4
/** Long-form replay packet id: u32 id + u32 time (spec §4.1). */
export const LONG_PACKET_ID_LENGTH = 8
/** Short-form data packet id (spec §13.2). */
export const SHORT_PACKET_ID_LENGTH = 4
/** P_DATA_V2 header: opcode/key-id + 24-bit peer id (spec §13.1). */
export const DATA_V2_HEADER_LENGTH = 4
/** P_DATA_V1 header: opcode/key-id only (spec §13.1). */
export const DATA_V1_HEADER_LENGTH = 1
/** 0xFFFFFF is the "undefined" peer id (spec §13.1). */
export const PEER_ID_UNDEFINED = 0xffffff
/** tls-crypt tag length: HMAC-SHA256 (spec §6). */
export const TLS_CRYPT_TAG_LENGTH = 32
/** `TLS_CRYPT_V2_MAX_WKC_LEN` (spec §7.1). */
export const TLS_CRYPT_V2_MAX_WKC_LENGTH = 1024
/** tls-crypt-v2 early-negotiation marker: replay counter starts here (spec §7.3). */
export const EARLY_NEG_START = 0x0f000000
/** TLV type EARLY_NEG_FLAGS and its flag RESEND_WKC (spec §7.4). */
export const TLV_TYPE_EARLY_NEG_FLAGS = 0x0001
export const EARLY_NEG_FLAG_RESEND_WKC = 0x0001

/** Keepalive ping payload (spec §15.1, `ping.c`). */
export const PING_MAGIC = Buffer.from('2a187bf3641eb4cb07ed2d0a981fc748', 'hex')
/** OCC message prefix (spec §15.2, `occ.c`). */
export const OCC_MAGIC = Buffer.from('287f346bd4ef7a812d56b8d3afc5459c', 'hex')
export const OccOpcode = {
  REQUEST: 0,
  REPLY: 1,
  MTU_LOAD_REQUEST: 2,
  MTU_LOAD: 3,
  MTU_REQUEST: 4,
  MTU_REPLY: 5,
  EXIT: 6,
} as const

/** Compression framing bytes (spec §14, `comp.h`). */
export const NO_COMPRESS_BYTE = 0xfa
export const NO_COMPRESS_BYTE_SWAP = 0xfb
export const COMP_ALGV2_INDICATOR_BYTE = 0x50
export const COMP_ALGV2_UNCOMPRESSED = 0x00

export function isDataOpcode(op: number): op is DataOpcode {
  return op === Opcode.P_DATA_V1 || op === Opcode.P_DATA_V2
}

export function isControlOpcode(op: number): op is ControlOpcode {
  return op >= Opcode.P_CONTROL_SOFT_RESET_V1 && op <= Opcode.P_CONTROL_WKC_V1 && !isDataOpcode(op)
}
