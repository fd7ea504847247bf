/**
 * @module link/memory-tun
 * An in-memory `Tun` for tests and probes: `inject` plays the OS sending a packet into the
 * VPN; packets from the VPN are queued and can be awaited with `next`.
 */
import type { NetworkConfig } from '../session/network-config.js'
import { PacketQueue } from './packet-queue.js'
import type { Tun } from './tun.js'

export class MemoryTun implements Tun {
  config: NetworkConfig | undefined
  configureCount = 0
  private handler: (p: Buffer) => void = () => undefined
  private readonly queue = new PacketQueue()
  tornDown = false

  async configure(config: NetworkConfig): Promise<void> {
    this.config = config
    this.configureCount += 1
    this.tornDown = false
  }

  write(packet: Buffer): void {
    this.queue.push(packet)
  }

  onPacket(handler: (packet: Buffer) => void): void {
    this.handler = handler
  }

  async teardown(): Promise<void> {
    this.tornDown = true
  }

  /** The OS sends `packet` into the tunnel. */
  inject(packet: Buffer): void {
    this.handler(packet)
  }

  /** Next packet from the VPN, or undefined after `timeoutMs`. */
  next(timeoutMs: number): Promise<Buffer | undefined> {
    return this.queue.next(timeoutMs)
  }
}
