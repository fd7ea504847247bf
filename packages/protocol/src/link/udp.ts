/**
 * @module link/udp
 * `Link` over node:dgram: one OpenVPN packet per datagram (spec §1). The socket is connected
 * to the remote so only its datagrams are received.
 */
import { createSocket, type Socket } from 'node:dgram'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { LinkError } from '../errors.js'
import type { Link, RemoteEndpoint } from './link.js'

export const UDP_RECEIVE_BUFFER = 1 << 20

class UdpLink implements Link {
  readonly protocol = 'udp'
  private packetHandler: (p: Buffer) => void = () => undefined
  private closeHandler: (e?: Error) => void = () => undefined
  private closed = false

  constructor(
    private readonly socket: Socket,
    readonly remote: { address: string; port: number }
  ) {
    socket.on('message', (msg) => {
      if (!this.closed) this.packetHandler(msg)
    })
    socket.on('error', (err) =>
      this.finish(new LinkError(`UDP socket error: ${err.message}`, { cause: err }))
    )
  }

  send(packet: Buffer): void {
    if (this.closed) return
    this.socket.send(packet, (err) => {
      // ECONNREFUSED (ICMP port unreachable) and similar are transient for UDP: ignore.
      void err
    })
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
    try {
      this.socket.close()
    } catch {
      // already closed
    }
    this.closeHandler(error)
  }

  async close(): Promise<void> {
    this.finish()
  }
}

export async function resolveRemote(
  host: string,
  family?: 4 | 6
): Promise<{ address: string; family: 4 | 6 }> {
  const ipv = isIP(host)
  if (ipv === 4 || ipv === 6) return { address: host, family: ipv }
  try {
    const r = await lookup(host, family ? { family } : {})
    return { address: r.address, family: r.family === 6 ? 6 : 4 }
  } catch (err) {
    throw new LinkError(`cannot resolve ${host}`, { cause: err })
  }
}

export async function openUdpLink(remote: RemoteEndpoint): Promise<Link> {
  const { address, family } = await resolveRemote(remote.host)
  const socket = createSocket({
    type: family === 6 ? 'udp6' : 'udp4',
    recvBufferSize: UDP_RECEIVE_BUFFER,
  })
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new LinkError(`UDP connect to ${address}:${remote.port} failed`, { cause: err }))
    socket.once('error', onError)
    socket.connect(remote.port, address, () => {
      socket.off('error', onError)
      resolve()
    })
  })
  return new UdpLink(socket, { address, port: remote.port })
}
