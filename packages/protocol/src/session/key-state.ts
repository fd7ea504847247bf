/**
 * @module session/key-state
 * One key generation ("key_state", spec §2, §3, §18): its key id, reliability layer, TLS
 * session over a ControlDuplex, key-method-2 exchange, and — once keyed — its data-channel
 * crypto with send packet-id counter and receive replay window.
 *
 *   pre-start ──(peer reset received + own reset acked)──► tls ──(secureConnect)──► sent-km
 *        ──(server key-method message parsed)──► active ──(data keys generated)──► keyed
 */
import type { TLSSocket } from 'node:tls'
import type { DataCrypto } from '../crypto/data-crypto.js'
import { ReplayWindow } from '../crypto/replay.js'
import { ReliableLayer } from '../control/reliable.js'
import type { ControlDuplex } from '../tls/control-duplex.js'
import { ShortPacketIdCounter } from '../wire/packet-id.js'
import {
  type ClientKeySource,
  type ServerKeyMethodMessage,
  newClientKeySource,
} from './key-method.js'

export type KeyStatePhase = 'pre-start' | 'tls' | 'sent-km' | 'active' | 'keyed' | 'failed'

export class KeyState {
  phase: KeyStatePhase = 'pre-start'
  readonly reliable: ReliableLayer
  readonly createdAt: number
  readonly source: ClientKeySource = newClientKeySource()
  peerResetReceived = false
  /** tls-crypt-v2: the server asked for the WKc with message id 1 (spec §7.4). */
  resendWkc = false
  duplex: ControlDuplex | undefined
  tls: TLSSocket | undefined
  serverKm: ServerKeyMethodMessage | undefined
  /** Cleartext received from TLS not yet consumed. */
  clear: Buffer = Buffer.alloc(0)
  crypto: DataCrypto | undefined
  readonly sendPacketId = new ShortPacketIdCounter()
  readonly replay: ReplayWindow
  keyedAt: number | undefined
  /** Payload bytes protected or opened with this key (reneg-bytes). */
  bytes = 0
  /** Time at which this (older) key stops being accepted. */
  expiresAt: number | undefined

  constructor(
    readonly keyId: number,
    opts: { now: () => number; tlsTimeoutMs: number; replayWindow?: number }
  ) {
    this.createdAt = opts.now()
    this.reliable = new ReliableLayer({ now: opts.now, initialTimeoutMs: opts.tlsTimeoutMs })
    this.replay = new ReplayWindow(opts.replayWindow)
  }

  /** Releases the TLS session (idempotent). */
  dispose(): void {
    this.tls?.removeAllListeners('data')
    this.tls?.destroy()
    this.duplex?.destroy()
    this.tls = undefined
    this.duplex = undefined
  }
}

/** Next key id after `id`: 1…7, then wraps to 1, never back to 0 (spec §2). */
export function nextKeyId(id: number): number {
  return id >= 7 ? 1 : id + 1
}
