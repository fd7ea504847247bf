/**
 * The Link compliance suite for the UDP and TCP links on loopback, plus TCP-specific checks
 * (peer close reported as an error, framing split across writes).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createSocket } from 'node:dgram'
import { createServer, type Socket } from 'node:net'
import { TcpFrameDecoder, encodeTcpFrame } from '../wire/tcp-framing.js'
import { type LinkPeer, PacketQueue, linkComplianceSuite } from './link-compliance.js'
import { openTcpLink } from './tcp.js'
import { openUdpLink } from './udp.js'

async function udpPeer(): Promise<LinkPeer> {
  const server = createSocket('udp4')
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', r))
  const q = new PacketQueue()
  let client: { address: string; port: number } | undefined
  server.on('message', (m, rinfo) => {
    client = { address: rinfo.address, port: rinfo.port }
    q.push(m)
  })
  const link = await openUdpLink({ host: '127.0.0.1', port: server.address().port, proto: 'udp' })
  link.send(Buffer.from('hello'))
  assert.deepEqual(await q.next(2000), Buffer.from('hello'))
  return {
    link,
    sendFromPeer: (p) => {
      if (client) server.send(p, client.port, client.address)
    },
    nextAtPeer: (ms) => q.next(ms),
    close: async () => {
      await link.close()
      server.close()
    },
  }
}

async function tcpPeer(): Promise<LinkPeer & { peerSocket: Socket }> {
  const q = new PacketQueue()
  let resolveAccepted: (s: Socket) => void = () => undefined
  const accepted = new Promise<Socket>((r) => (resolveAccepted = r))
  const srv = createServer((s) => {
    const dec = new TcpFrameDecoder()
    s.on('data', (d: Buffer) => dec.push(d).forEach((p) => q.push(p)))
    resolveAccepted(s)
  })
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const addr = srv.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  const link = await openTcpLink({ host: '127.0.0.1', port, proto: 'tcp' })
  const sock = await accepted
  return {
    link,
    peerSocket: sock,
    sendFromPeer: (p) => {
      if (!sock.destroyed) sock.write(encodeTcpFrame(p))
    },
    nextAtPeer: (ms) => q.next(ms),
    close: async () => {
      await link.close()
      sock.destroy()
      srv.close()
    },
  }
}

void describe('UDP link', () => {
  linkComplianceSuite('udp', udpPeer)
})

void describe('TCP link', () => {
  linkComplianceSuite('tcp', tcpPeer)

  void test('tcp: peer close is reported once as LinkError', async () => {
    const p = await tcpPeer()
    try {
      const closed = new Promise<Error | undefined>((r) => p.link.onClose(r))
      p.peerSocket.destroy()
      const err = await closed
      assert.equal(err?.name, 'LinkError')
    } finally {
      await p.close()
    }
  })

  void test('tcp: records split across writes are reassembled', async () => {
    const p = await tcpPeer()
    try {
      const got: Buffer[] = []
      const done = new Promise<void>((resolve) =>
        p.link.onPacket((b) => {
          got.push(b)
          if (got.length === 2) resolve()
        })
      )
      const stream = Buffer.concat([
        encodeTcpFrame(Buffer.alloc(300, 1)),
        encodeTcpFrame(Buffer.alloc(5, 2)),
      ])
      for (const part of [stream.subarray(0, 1), stream.subarray(1, 200), stream.subarray(200)]) {
        p.peerSocket.write(part)
        await new Promise((r) => setTimeout(r, 10))
      }
      await done
      assert.deepEqual(got, [Buffer.alloc(300, 1), Buffer.alloc(5, 2)])
    } finally {
      await p.close()
    }
  })

  void test('tcp: connection refused is a LinkError', async () => {
    const srv = createServer()
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const addr = srv.address()
    const port = typeof addr === 'object' && addr ? addr.port : 0
    await new Promise((r) => srv.close(r))
    await assert.rejects(openTcpLink({ host: '127.0.0.1', port, proto: 'tcp' }), {
      name: 'LinkError',
    })
  })
})
