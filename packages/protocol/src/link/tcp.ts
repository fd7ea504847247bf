/**
 * @module link/tcp
 * `Link` over node:net with the 2-byte length framing of spec §1 (TcpFrameDecoder caps the
 * packet size and backlog). A peer close or framing error closes the link with an error.
 */
import { connect, type Socket } from 'node:net'
import { LinkError } from '../errors.js'
import { TcpFrameDecoder, encodeTcpFrame } from '../wire/tcp-framing.js'
import type { Link, RemoteEndpoint } from './link.js'
import { resolveRemote } from './udp.js'

export const TCP_CONNECT_TIMEOUT_MS = 10_000

class TcpLink implements Link {
  readonly protocol = 'tcp'
  private packetHandler: (p: Buffer) => void = () => undefined
  private closeHandler: (e?: Error) => void = () => undefined
  private closed = false
  private readonly decoder = new TcpFrameDecoder()

  constructor(
    private readonly socket: Socket,
    readonly remote: { address: string; port: number }
  ) {
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => {
      let packets: Buffer[]
      try {
        packets = this.decoder.push(chunk)
      } catch (err) {
        this.finish(new LinkError('TCP framing error', { cause: err }))
        return
      }
      for (const p of packets) {
        if (this.closed) return
        this.packetHandler(p)
      }
    })
    socket.on('error', (err) =>
      this.finish(new LinkError(`TCP error: ${err.message}`, { cause: err }))
    )
    socket.on('close', () => this.finish(new LinkError('TCP connection closed by peer')))
  }

  send(packet: Buffer): void {
    if (this.closed) return
    this.socket.write(encodeTcpFrame(packet))
  }

  onPacket(handler: (packet: Buffer) => void): void {
    this.packetHandler = handler
  }

  onClose(handler: (error?: Error) => void): void {
    this.closeHandler = handler
  }

  private finish(error?: Error): void {
    if (this.closed) return
    this.closed = true
    this.socket.destroy()
    this.closeHandler(error)
  }

  async close(): Promise<void> {
    this.finish()
  }
}

export async function openTcpLink(
  remote: RemoteEndpoint,
  opts: { signal?: AbortSignal } = {}
): Promise<Link> {
  const { address } = await resolveRemote(remote.host)
  const socket = await new Promise<Socket>((resolve, reject) => {
    const s = connect({ host: address, port: remote.port })
    const timer = setTimeout(() => {
      s.destroy()
      reject(new LinkError(`TCP connect to ${address}:${remote.port} timed out`))
    }, TCP_CONNECT_TIMEOUT_MS)
    const onAbort = (): void => {
      s.destroy()
      clearTimeout(timer)
      reject(new LinkError('TCP connect aborted'))
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true })
    s.once('connect', () => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      resolve(s)
    })
    s.once('error', (err) => {
      clearTimeout(timer)
      opts.signal?.removeEventListener('abort', onAbort)
      reject(
        new LinkError(`TCP connect to ${address}:${remote.port} failed: ${err.message}`, {
          cause: err,
        })
      )
    })
  })
  return new TcpLink(socket, { address, port: remote.port })
}
