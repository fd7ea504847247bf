/**
 * The engine's `Link` port for UDP remotes, over the netcfg addon's batched UDP socket (spec §1:
 * one OpenVPN packet per datagram; protocol README "Ports"). Where node:dgram makes one libuv
 * send request per packet, this link queues the packets the engine sends during one event-loop
 * turn and hands them to the kernel with `sendmmsg` at the end of it, and receives datagrams in
 * batches from a `uv_poll` callback. TCP remotes keep the engine's own link.
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { UdpSocket } from '@openvpn3-ts/netcfg/tun'
import type { Link, RemoteEndpoint } from '@openvpn3-ts/protocol'
import { UdpLinkError } from './errors.js'

/** Socket receive/send buffer (as the engine's own UDP link). */
const SOCKET_BUFFER = 1 << 20

export class BatchedUdpLink implements Link {
  readonly protocol = 'udp'
  readonly #socket: UdpSocket
  #packetHandler: (p: Buffer) => void = () => undefined
  #closeHandler: (e?: Error) => void = () => undefined
  #closed = false
  #queue: Buffer[] = []
  #flushScheduled = false
  /** Datagrams the kernel did not take (socket buffer full); UDP drops them. */
  dropped = 0

  private constructor(
    socket: UdpSocket,
    readonly remote: { address: string; port: number }
  ) {
    this.#socket = socket
    socket.startReading({
      onPackets: (packets) => {
        for (const p of packets) {
          if (this.#closed) return
          this.#packetHandler(p)
        }
      },
      onError: (err) =>
        this.#finish(new UdpLinkError(`UDP socket error: ${err.message}`, { cause: err })),
    })
  }

  /** Resolves the remote and opens a socket connected to it. */
  static async open(remote: RemoteEndpoint): Promise<BatchedUdpLink> {
    let address = remote.host
    let family = isIP(address)
    if (family === 0) {
      try {
        const r = await lookup(remote.host)
        address = r.address
        family = r.family
      } catch (cause) {
        throw new UdpLinkError(`cannot resolve ${remote.host}`, { cause })
      }
    }
    try {
      const socket = UdpSocket.connect(family === 6 ? 6 : 4, address, remote.port, SOCKET_BUFFER)
      return new BatchedUdpLink(socket, { address, port: remote.port })
    } catch (cause) {
      throw new UdpLinkError(`UDP connect to ${address}:${remote.port} failed`, { cause })
    }
  }

  /** The socket fd (for netcfg ProtectSocket); -1 once closed. */
  get fd(): number {
    return this.#socket.fd
  }

  send(packet: Buffer): void {
    if (this.#closed) return
    this.#queue.push(packet)
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      queueMicrotask(this.#flush)
    }
  }

  readonly #flush = (): void => {
    this.#flushScheduled = false
    const batch = this.#queue
    if (batch.length === 0 || this.#closed) return
    this.#queue = []
    try {
      this.dropped += batch.length - this.#socket.send(batch)
    } catch (err) {
      this.#finish(
        new UdpLinkError(`UDP send failed: ${err instanceof Error ? err.message : String(err)}`, {
          cause: err,
        })
      )
    }
  }

  onPacket(handler: (packet: Buffer) => void): void {
    this.#packetHandler = handler
  }

  onClose(handler: (error?: Error) => void): void {
    this.#closeHandler = handler
  }

  #finish(error?: Error): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue = []
    this.#socket.close()
    this.#closeHandler(error)
  }

  async close(): Promise<void> {
    this.#finish()
  }
}
