/**
 * The engine's `Link` port for UDP remotes, over the netcfg addon's batched UDP socket (spec §1:
 * one OpenVPN packet per datagram; protocol README "Ports"). Where node:dgram makes one libuv
 * send request per packet, this link queues the packets the engine sends during one event-loop
 * turn and hands them to the kernel with `sendmmsg` at the end of it, and receives datagrams in
 * batches from a `uv_poll` callback. TCP remotes keep the engine's own link.
 *
 * Send-batch cap (a benchmark knob, issue 6): `maxBatch` datagrams at most per addon call, i.e.
 * per `sendmmsg` and per UDP GSO message. Default 0: the whole turn's queue in one call (the
 * addon splits it into messages of up to 64 datagrams / 65000 bytes). 1 sends each datagram on
 * its own, as the stock client's one `sendto` per packet. The environment variable
 * `OPENVPN3_TS_UDP_SEND_BATCH` sets the default (backendstart `--client-setenv`).
 */
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { z } from 'zod'
import { UdpSocket } from '@openvpn3-ts/netcfg/tun'
import type { Link, RemoteEndpoint } from '@openvpn3-ts/protocol'
import { UdpLinkError } from './errors.js'

/** Socket receive/send buffer (as the engine's own UDP link). */
const SOCKET_BUFFER = 1 << 20

export const SEND_BATCH_ENV = 'OPENVPN3_TS_UDP_SEND_BATCH'

const sendBatchSchema = z.coerce.number().int().min(0).max(1_000_000)

/** `maxBatch` from the environment: a whole number ≥ 0; unset, empty or invalid → 0 (no cap). */
export function sendBatchFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[SEND_BATCH_ENV]
  if (raw === undefined || raw.trim() === '') return 0
  const r = sendBatchSchema.safeParse(raw.trim())
  return r.success ? r.data : 0
}

export interface BatchedUdpLinkOptions {
  /** datagrams per addon send call (sendmmsg / GSO message); 0: no cap (default from env) */
  maxBatch?: number
}

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
  /** Addon send calls made (one per chunk of at most `maxBatch` datagrams). */
  sendCalls = 0
  readonly maxBatch: number

  private constructor(
    socket: UdpSocket,
    readonly remote: { address: string; port: number },
    maxBatch: number
  ) {
    this.#socket = socket
    this.maxBatch = maxBatch
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
  static async open(
    remote: RemoteEndpoint,
    opts: BatchedUdpLinkOptions = {}
  ): Promise<BatchedUdpLink> {
    const maxBatch = opts.maxBatch ?? sendBatchFromEnv()
    if (!Number.isInteger(maxBatch) || maxBatch < 0)
      throw new UdpLinkError(`maxBatch must be a whole number >= 0, got ${maxBatch}`)
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
      return new BatchedUdpLink(socket, { address, port: remote.port }, maxBatch)
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
      const cap = this.maxBatch
      if (cap === 0 || batch.length <= cap) {
        this.sendCalls++
        this.dropped += batch.length - this.#socket.send(batch)
        return
      }
      for (let i = 0; i < batch.length; i += cap) {
        const chunk = batch.slice(i, i + cap)
        this.sendCalls++
        this.dropped += chunk.length - this.#socket.send(chunk)
      }
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
