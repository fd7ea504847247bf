/**
 * @module link/link
 * The `Link` port: how the engine reaches an OpenVPN server (spec §1). One Link is one
 * transport connection to one remote; the engine opens a new one for every connection attempt.
 */

export type LinkProtocol = 'udp' | 'tcp'

export interface RemoteEndpoint {
  host: string
  port: number
  proto: LinkProtocol
}

export interface Link {
  /** Transport of this link; TCP links add/strip the 2-byte length prefix themselves. */
  readonly protocol: LinkProtocol
  /** The remote this link is connected to (resolved address and port). */
  readonly remote: { address: string; port: number }
  /**
   * Sends one whole OpenVPN packet. Never throws for transport errors: those are reported
   * once through the close handler. Sending after close is silently ignored.
   */
  send(packet: Buffer): void
  /**
   * Registers the receiver: called once per whole OpenVPN packet, in arrival order.
   * Only one handler; a later call replaces it.
   */
  onPacket(handler: (packet: Buffer) => void): void
  /**
   * Registers the close handler: called exactly once when the link stops working
   * (error, TCP peer closed, or after close()). `error` is undefined for a local close().
   */
  onClose(handler: (error?: Error) => void): void
  /** Closes the link (idempotent). No packet handler call happens after the promise resolves. */
  close(): Promise<void>
}

/** Opens a link to a remote; rejects with LinkError if it cannot (DNS, TCP refused, timeout). */
export type LinkFactory = (remote: RemoteEndpoint, opts: { signal?: AbortSignal }) => Promise<Link>
