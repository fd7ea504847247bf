/**
 * A connected, non-blocking UDP socket with batched I/O through the TUN addon (libraries.md
 * 2.2 design applied to the transport): datagrams are read in batches from a `uv_poll` callback
 * and sent in batches with one `sendmmsg` per 64. It gives the backend a UDP transport without
 * one libuv send request per packet. Lifecycle: open → startReading → close (idempotent; stops
 * the poller before closing the fd). The fd stays available for netcfg `ProtectSocket`.
 */
import { loadTunAddon, type NativePoller, type TunAddon } from './native.js'

export interface UdpReadHandlers {
  onPackets(packets: Buffer[]): void
  /** Called once if reading fails; reading has stopped by then. */
  onError?(err: Error): void
}

/** Datagrams per read callback. */
const READ_BATCH = 64
/** Largest UDP payload. */
const READ_BUFFER = 65536

export class UdpSocket {
  readonly #addon: TunAddon
  #fd: number
  #poller: NativePoller | undefined

  private constructor(addon: TunAddon, fd: number) {
    this.#addon = addon
    this.#fd = fd
  }

  /** Opens a UDP socket connected to a numeric address (the caller resolves names). */
  static connect(family: 4 | 6, address: string, port: number, bufferSize = 1 << 20): UdpSocket {
    const addon = loadTunAddon()
    return new UdpSocket(addon, addon.udpOpen(family, address, port, bufferSize))
  }

  /** The socket's fd, or -1 once closed. */
  get fd(): number {
    return this.#fd
  }

  get closed(): boolean {
    return this.#fd < 0
  }

  /** Sends each buffer as one datagram; returns how many the kernel took (0 once closed). */
  send(packets: readonly Uint8Array[]): number {
    if (this.#fd < 0) return 0
    return this.#addon.sendPackets(this.#fd, packets)
  }

  startReading(handlers: UdpReadHandlers): void {
    if (this.#fd < 0 || this.#poller?.active) return
    this.#poller = new this.#addon.Poller(
      this.#fd,
      (err, packets) => {
        if (err) handlers.onError?.(err)
        else if (packets) handlers.onPackets(packets)
      },
      READ_BATCH,
      READ_BUFFER
    )
  }

  /** Stops reading and closes the fd. Idempotent. */
  close(): void {
    this.#poller?.stop()
    this.#poller = undefined
    if (this.#fd >= 0) {
      const fd = this.#fd
      this.#fd = -1
      this.#addon.close(fd)
    }
  }
}
