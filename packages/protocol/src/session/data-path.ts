/**
 * @module session/data-path
 * Data-channel packet handling for the connection (spec §13, §14, §15): sealing a payload with
 * a key state (header with peer id, packet id, compression framing) and opening a received data
 * packet into a ping, an OCC message or an IP packet, with the replay check.
 */
import type { CompressionFraming } from '../data/compression.js'
import { deframe, frame } from '../data/compression.js'
import { OCC_MAGIC, Opcode, PING_MAGIC } from '../wire/constants.js'
import { decodeDataHeader, encodeDataHeader } from '../wire/data-header.js'
import type { KeyState } from './key-state.js'

/** Seals `payload` with `ks`; throws PacketIdExhaustedError when the key must be renegotiated. */
export function sealDataPacket(
  ks: KeyState,
  peerId: number | undefined,
  framing: CompressionFraming,
  payload: Buffer
): Buffer | undefined {
  if (!ks.crypto) return undefined
  const header = encodeDataHeader(
    peerId !== undefined
      ? { opcode: Opcode.P_DATA_V2, keyId: ks.keyId, peerId }
      : { opcode: Opcode.P_DATA_V1, keyId: ks.keyId }
  )
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
  let ks: KeyState | undefined
  let headerLength: number
  try {
    const h = decodeDataHeader(packet)
    ks = keyById(h.keyId)
    headerLength = h.opcode === Opcode.P_DATA_V2 ? 4 : 1
  } catch {
    return { kind: 'bad' }
  }
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
  if (
    payload.length > OCC_MAGIC.length &&
    payload.subarray(0, OCC_MAGIC.length).equals(OCC_MAGIC)
  ) {
    return { kind: 'occ', opcode: payload[OCC_MAGIC.length] ?? -1 }
  }
  return { kind: 'ip', packet: payload }
}
