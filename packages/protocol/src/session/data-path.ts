/**
 * @module session/data-path
 * Data-channel packet handling for the connection (spec §13, §14, §15): sealing a payload with
 * a key state (header with peer id, packet id, compression framing) and opening a received data
 * packet into a ping, an OCC message or an IP packet, with the replay check.
 */
import type { CompressionFraming } from '../data/compression.js'
import { deframe, frame } from '../data/compression.js'
import {
  DATA_V1_HEADER_LENGTH,
  DATA_V2_HEADER_LENGTH,
  KEY_ID_MASK,
  OCC_MAGIC,
  OPCODE_SHIFT,
  Opcode,
  PING_MAGIC,
} from '../wire/constants.js'
import { encodeDataHeader } from '../wire/data-header.js'
import type { KeyState } from './key-state.js'

// The last encoded header, reused while key id and peer id stay the same (seal copies it).
let cachedKeyId = -1
let cachedPeerId: number | undefined
let cachedHeader: Buffer = Buffer.alloc(0)

function headerFor(keyId: number, peerId: number | undefined): Buffer {
  if (keyId !== cachedKeyId || peerId !== cachedPeerId) {
    cachedHeader = encodeDataHeader(
      peerId !== undefined
        ? { opcode: Opcode.P_DATA_V2, keyId, peerId }
        : { opcode: Opcode.P_DATA_V1, keyId }
    )
    cachedKeyId = keyId
    cachedPeerId = peerId
  }
  return cachedHeader
}

/** Seals `payload` with `ks`; throws PacketIdExhaustedError when the key must be renegotiated. */
export function sealDataPacket(
  ks: KeyState,
  peerId: number | undefined,
  framing: CompressionFraming,
  payload: Buffer
): Buffer | undefined {
  if (!ks.crypto) return undefined
  const header = headerFor(ks.keyId, peerId)
  const pid = ks.sendPacketId.next()
  ks.bytes += payload.length
  return ks.crypto.seal(header, pid, frame(framing, payload))
}

export type OpenedData =
  | { kind: 'ip'; packet: Buffer }
  | { kind: 'ping' }
  | { kind: 'occ'; opcode: number }
  | { kind: 'bad' }
  | { kind: 'replay' }

/** Opens a received data packet with the key state its key id names. */
export function openDataPacket(
  packet: Buffer,
  keyById: (keyId: number) => KeyState | undefined,
  framing: CompressionFraming
): OpenedData {
  // Header checks of decodeDataHeader (spec §13.1), inlined: no objects per packet.
  const first = packet[0]
  if (first === undefined) return { kind: 'bad' }
  const opcode = first >> OPCODE_SHIFT
  let headerLength: number
  if (opcode === Opcode.P_DATA_V2) {
    if (packet.length < DATA_V2_HEADER_LENGTH) return { kind: 'bad' }
    headerLength = DATA_V2_HEADER_LENGTH
  } else if (opcode === Opcode.P_DATA_V1) {
    headerLength = DATA_V1_HEADER_LENGTH
  } else {
    return { kind: 'bad' }
  }
  const ks = keyById(first & KEY_ID_MASK)
  if (!ks?.crypto) return { kind: 'bad' }
  let opened
  try {
    opened = ks.crypto.open(packet, headerLength)
  } catch {
    return { kind: 'bad' }
  }
  if (!ks.replay.accept(opened.packetId)) return { kind: 'replay' }
  ks.bytes += opened.payload.length
  let payload: Buffer
  try {
    payload = deframe(framing, opened.payload)
  } catch {
    return { kind: 'bad' }
  }
  if (payload.length === PING_MAGIC.length && payload.equals(PING_MAGIC)) return { kind: 'ping' }
  if (payload.length > OCC_MAGIC.length && OCC_MAGIC.compare(payload, 0, OCC_MAGIC.length) === 0) {
    return { kind: 'occ', opcode: payload[OCC_MAGIC.length] ?? -1 }
  }
  return { kind: 'ip', packet: payload }
}
