/**
 * @module tls/control-duplex
 * A Node `Duplex` that carries the TLS ciphertext of one key state over the control channel
 * (spec §3.5, §23): what the TLSSocket writes is handed to `onCiphertext` (the key state
 * chops it into P_CONTROL_V1 payloads); reassembled in-order payloads are `deliver`ed.
 */
import { Duplex } from 'node:stream'

export class ControlDuplex extends Duplex {
  constructor(private readonly onCiphertext: (chunk: Buffer) => void) {
    super({ allowHalfOpen: false })
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.onCiphertext(chunk)
      cb()
    } catch (err) {
      cb(err instanceof Error ? err : new Error(String(err)))
    }
  }

  override _read(): void {
    // data is pushed by deliver()
  }

  /** Feeds TLS ciphertext received from the peer, in order. */
  deliver(chunk: Buffer): void {
    if (!this.destroyed) this.push(chunk)
  }
}
