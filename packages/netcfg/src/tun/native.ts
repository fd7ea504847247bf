/**
 * Loader and types for the N-API TUN addon (`native/src/tun.cc`), following the design in the
 * shared guide libraries.md section 2.2: a non-blocking TUN fd (IFF_TUN | IFF_NO_PI), reads in
 * batches from a `uv_poll` callback, writes in batches inside one native call.
 */
import { createRequire } from 'node:module'

/** One read batch: `err` is set once, when reading failed and the poller stopped itself. */
export type NativePollCallback = (err: Error | null, packets?: Buffer[]) => void

export interface NativePoller {
  /** Stops polling; returns true if it was running. Idempotent. */
  stop(): boolean
  ref(): void
  unref(): void
  readonly active: boolean
}

export interface TunAddon {
  open(name: string): { fd: number; name: string }
  ifName(fd: number): string
  setNonBlocking(fd: number, on: boolean): void
  writePackets(fd: number, packets: readonly Uint8Array[]): number
  close(fd: number): void
  /** SO_MARK on a socket (needs CAP_NET_ADMIN) */
  setSocketMark(fd: number, mark: number): void
  /** SO_BINDTODEVICE on a socket (needs CAP_NET_RAW) */
  bindToDevice(fd: number, device: string): void
  /** Non-blocking UDP socket connected to address:port (family 4 or 6); returns the fd. */
  udpOpen(family: 4 | 6, address: string, port: number, bufferSize?: number): number
  /** sendmmsg on a connected socket, one datagram per buffer; returns how many were sent. */
  sendPackets(fd: number, packets: readonly Uint8Array[]): number
  Poller: new (
    fd: number,
    callback: NativePollCallback,
    maxBatch: number,
    bufferSize: number
  ) => NativePoller
}

/** Raised when the compiled addon is missing (the package's install script did not run). */
export class TunAddonLoadError extends Error {
  override readonly name = 'TunAddonLoadError'
}

let cached: TunAddon | undefined

/** Loads `native/build/Release/tun.node` (same relative path from `src/tun` and `dist/tun`). */
export function loadTunAddon(): TunAddon {
  if (cached) return cached
  const require = createRequire(import.meta.url)
  try {
    cached = require('../../native/build/Release/tun.node') as TunAddon
  } catch (cause) {
    throw new TunAddonLoadError(
      'TUN addon not built: run `npm ci` (or `npm run build:native -w @openvpn3-ts/netcfg`)',
      { cause }
    )
  }
  return cached
}
