/**
 * @module wire
 * OpenVPN packet codecs: constants, typed records and encode/decode pairs (spec §1–§4, §13).
 */
export * from './constants.js'
export * from './opcode.js'
export * from './control-packet.js'
export * from './packet-id.js'
export * from './data-header.js'
export * from './tcp-framing.js'
export * from './tlv.js'
