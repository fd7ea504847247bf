/**
 * @module session/stats
 * Counters the engine keeps for the backend (names follow openvpn3's statistics:
 * BYTES_IN/OUT, PACKETS_IN/OUT, TUN_BYTES_IN/OUT, TUN_PACKETS_IN/OUT, errors, reconnects).
 */

export interface EngineStats {
  /** Link bytes/packets (encrypted, as sent/received on the transport). */
  bytesIn: number
  bytesOut: number
  packetsIn: number
  packetsOut: number
  /** Tun bytes/packets (cleartext IP packets). */
  tunBytesIn: number
  tunBytesOut: number
  tunPacketsIn: number
  tunPacketsOut: number
  /** Data packets that failed authentication/decryption. */
  decryptErrors: number
  /** Packets rejected as replays (data and control). */
  replayErrors: number
  /** Control packets dropped (bad wrap, wrong session id, malformed). */
  controlDrops: number
  /** Key renegotiations completed. */
  renegotiations: number
  /** Reconnects after the first connection attempt. */
  reconnects: number
}

export function newStats(): EngineStats {
  return {
    bytesIn: 0,
    bytesOut: 0,
    packetsIn: 0,
    packetsOut: 0,
    tunBytesIn: 0,
    tunBytesOut: 0,
    tunPacketsIn: 0,
    tunPacketsOut: 0,
    decryptErrors: 0,
    replayErrors: 0,
    controlDrops: 0,
    renegotiations: 0,
    reconnects: 0,
  }
}
