/**
 * A TUN device fd with batched packet I/O: the `Tun` port's packet side for the backend (which
 * receives the fd from netcfg's `Establish`, spec dbus-api.md netcfg section) and netcfg's own
 * device creation. Lifecycle: open → (startReading ↔ stopReading)* → close; close is idempotent
 * and stops the poller before closing the fd (libraries.md 2.6), so the process can exit.
 */
import { loadTunAddon, type NativePoller, type TunAddon } from './native.js'

/** Packets per read callback; 64 measured best in libraries.md 2.4. */
export const DEFAULT_READ_BATCH = 64
/** Read buffer per packet: the largest IP packet a TUN can deliver. */
export const DEFAULT_READ_BUFFER = 65536

export class TunClosedError extends Error {
  override readonly name = 'TunClosedError'
}

export interface TunReadInit {
  /** Most packets handed over per callback (1..1024). */
  maxBatch?: number
  /** Size of the read buffer (>= the device MTU). */
  bufferSize?: number
  /** Keep the event loop alive while reading (default true). */
  ref?: boolean
}

export interface TunReadHandlers {
  onPackets(packets: Buffer[]): void
  /** Called once if reading fails; reading has stopped by then. */
  onError?(err: Error): void
}

export class TunDevice {
  readonly #addon: TunAddon
  #fd: number
  readonly name: string
  #poller: NativePoller | undefined

  private constructor(addon: TunAddon, fd: number, name: string) {
    this.#addon = addon
    this.#fd = fd
    this.name = name
  }

  /** Creates (or attaches to) the TUN `name` in the caller's network namespace; '' = kernel picks. */
  static open(name = ''): TunDevice {
    const addon = loadTunAddon()
    const r = addon.open(name)
    return new TunDevice(addon, r.fd, r.name)
  }

  /** Adopts an fd received from elsewhere (e.g. netcfg's Establish); takes ownership of it. */
  static fromFd(fd: number): TunDevice {
    const addon = loadTunAddon()
    const name = addon.ifName(fd)
    addon.setNonBlocking(fd, true)
    return new TunDevice(addon, fd, name)
  }

  get fd(): number {
    if (this.#fd < 0) throw new TunClosedError(`TUN ${this.name} is closed`)
    return this.#fd
  }

  get closed(): boolean {
    return this.#fd < 0
  }

  get reading(): boolean {
    return this.#poller?.active ?? false
  }

  /** Writes whole IP packets; returns how many the kernel took (stops early when its queue is full). */
  write(packets: readonly Uint8Array[]): number {
    return this.#addon.writePackets(this.fd, packets)
  }

  startReading(handlers: TunReadHandlers, init: TunReadInit = {}): void {
    if (this.#poller?.active) throw new Error(`TUN ${this.name} is already being read`)
    const poller = new this.#addon.Poller(
      this.fd,
      (err, packets) => {
        if (err) handlers.onError?.(err)
        else if (packets) handlers.onPackets(packets)
      },
      init.maxBatch ?? DEFAULT_READ_BATCH,
      init.bufferSize ?? DEFAULT_READ_BUFFER
    )
    if (init.ref === false) poller.unref()
    this.#poller = poller
  }

  stopReading(): void {
    this.#poller?.stop()
    this.#poller = undefined
  }

  /** Hands the fd over (e.g. to send it on D-Bus) without closing it; this object is closed after. */
  detachFd(): number {
    const fd = this.fd
    this.stopReading()
    this.#fd = -1
    return fd
  }

  /** Stops reading and closes the fd (the kernel removes a non-persistent device). Idempotent. */
  close(): void {
    this.stopReading()
    if (this.#fd >= 0) {
      const fd = this.#fd
      this.#fd = -1
      this.#addon.close(fd)
    }
  }
}
