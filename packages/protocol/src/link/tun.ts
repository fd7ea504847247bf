/**
 * @module link/tun
 * The `Tun` port: IP packets between the engine and the OS. The backend implements it with
 * the real TUN device (via netcfg); tests use MemoryTun.
 */
import type { NetworkConfig } from '../session/network-config.js'

export interface Tun {
  /**
   * Called after each successful PUSH_REPLY with the configuration to apply (addresses,
   * routes, DNS, MTU). Resolves when packets may flow; a rejection fails the connection.
   * On reconnect it is called again; the implementation decides whether to reuse the device.
   */
  configure(config: NetworkConfig): Promise<void>
  /** Delivers one IP packet from the VPN to the OS. Must not throw. */
  write(packet: Buffer): void
  /** Registers the reader: called for every IP packet the OS sends into the VPN. */
  onPacket(handler: (packet: Buffer) => void): void
  /** Called when the tunnel goes down (reconnect or stop); `final` = the engine is stopping. */
  teardown(final: boolean): Promise<void>
}
