/**
 * The batched UDP link against the engine's Link contract (the protocol package's compliance
 * suite, imported as a test helper) with a node:dgram peer on loopback, plus batching: many
 * packets sent in one event-loop turn all arrive, in order, and a burst from the peer arrives
 * in order through the batched reader.
 */
import { createSocket, type Socket } from 'node:dgram'
import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  PacketQueue,
  linkComplianceSuite,
  type LinkPeer,
} from '../../protocol/src/link/link-compliance.js'
import {
  BatchedUdpLink,
  type BatchedUdpLinkOptions,
  SEND_BATCH_ENV,
  sendBatchFromEnv,
} from './batched-udp-link.js'

async function peer(
  opts?: BatchedUdpLinkOptions
): Promise<LinkPeer & { socket: Socket; link: BatchedUdpLink }> {
  const socket = createSocket('udp4')
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r))
  const port = socket.address().port
  const link = await BatchedUdpLink.open({ host: '127.0.0.1', port, proto: 'udp' }, opts)
  const got = new PacketQueue()
  let linkPort = 0
  socket.on('message', (m, rinfo) => {
    linkPort = rinfo.port
    got.push(m)
  })
  // learn the link's port with a first datagram
  link.send(Buffer.from('hello'))
  assert.deepEqual(await got.next(2000), Buffer.from('hello'))
  return {
    socket,
    link,
    sendFromPeer: (p) => socket.send(p, linkPort, '127.0.0.1'),
    nextAtPeer: (ms) => got.next(ms),
    close: async () => {
      await link.close()
      await new Promise<void>((r) => socket.close(() => r()))
    },
  }
}

linkComplianceSuite('BatchedUdpLink', peer)

void test('BatchedUdpLink: a burst sent in one turn goes out whole and in order', async () => {
  const p = await peer()
  try {
    assert.ok(p.link.fd >= 0, 'fd for ProtectSocket')
    // 150 > one sendmmsg chunk (64); small, so the peer's default receive buffer holds them
    for (let i = 0; i < 150; i++) p.link.send(Buffer.alloc(20 + i, i & 0xff))
    for (let i = 0; i < 150; i++) {
      const got = await p.nextAtPeer(2000)
      assert.deepEqual(got, Buffer.alloc(20 + i, i & 0xff), `packet ${i}`)
    }
    // equal sizes with a short tail: the addon sends runs like this as UDP GSO segments
    const burst = [
      ...Array.from({ length: 70 }, (_, i) => Buffer.alloc(400, i)),
      Buffer.alloc(9, 7),
    ]
    for (const b of burst) p.link.send(b)
    for (const [i, b] of burst.entries()) assert.deepEqual(await p.nextAtPeer(2000), b, `gso ${i}`)
    assert.equal(p.link.dropped, 0)
  } finally {
    await p.close()
  }
})

void test('BatchedUdpLink: a burst from the peer arrives in order; ICMP refusals are not fatal', async () => {
  const p = await peer()
  try {
    const rx = new PacketQueue()
    const closes: Array<Error | undefined> = []
    p.link.onPacket((x) => rx.push(x))
    p.link.onClose((e) => closes.push(e))
    for (let i = 0; i < 100; i++) p.sendFromPeer(Buffer.alloc(1200, i & 0xff))
    for (let i = 0; i < 100; i++)
      assert.deepEqual(await rx.next(2000), Buffer.alloc(1200, i & 0xff))
    // a remote with nobody listening: the kernel queues ECONNREFUSED; the link stays open
    const dead = await BatchedUdpLink.open({ host: '127.0.0.1', port: 9, proto: 'udp' })
    try {
      dead.onClose((e) => closes.push(e))
      for (let i = 0; i < 5; i++) {
        dead.send(Buffer.from('x'))
        await new Promise((r) => setTimeout(r, 20))
      }
      assert.ok(dead.fd >= 0)
    } finally {
      await dead.close()
    }
    assert.deepEqual(closes, [undefined])
  } finally {
    await p.close()
  }
})

void test('BatchedUdpLink: maxBatch caps the datagrams per send call; all still arrive in order', async () => {
  for (const [cap, calls] of [
    [0, 1],
    [1, 70],
    [8, 9],
    [70, 1],
  ] as const) {
    const p = await peer({ maxBatch: cap })
    try {
      assert.equal(p.link.maxBatch, cap)
      const before = p.link.sendCalls
      // equal sizes: uncapped, the addon sends them as UDP GSO segments in one call
      const burst = Array.from({ length: 70 }, (_, i) => Buffer.alloc(300, i))
      for (const b of burst) p.link.send(b)
      for (const [i, b] of burst.entries())
        assert.deepEqual(await p.nextAtPeer(2000), b, `cap ${cap} packet ${i}`)
      assert.equal(p.link.sendCalls - before, calls, `send calls with cap ${cap}`)
      assert.equal(p.link.dropped, 0)
    } finally {
      await p.close()
    }
  }
})

void test('BatchedUdpLink: the send-batch cap comes from the environment; bad values rejected', async () => {
  assert.equal(sendBatchFromEnv({}), 0)
  assert.equal(sendBatchFromEnv({ [SEND_BATCH_ENV]: '' }), 0)
  assert.equal(sendBatchFromEnv({ [SEND_BATCH_ENV]: ' 8 ' }), 8)
  assert.equal(sendBatchFromEnv({ [SEND_BATCH_ENV]: '1' }), 1)
  for (const bad of ['-1', '2.5', 'lots', '1e9']) {
    assert.equal(sendBatchFromEnv({ [SEND_BATCH_ENV]: bad }), 0, bad)
  }
  const saved = process.env[SEND_BATCH_ENV]
  process.env[SEND_BATCH_ENV] = '4'
  try {
    const p = await peer()
    try {
      assert.equal(p.link.maxBatch, 4)
    } finally {
      await p.close()
    }
  } finally {
    if (saved === undefined) delete process.env[SEND_BATCH_ENV]
    else process.env[SEND_BATCH_ENV] = saved
  }
  await assert.rejects(
    BatchedUdpLink.open({ host: '127.0.0.1', port: 9, proto: 'udp' }, { maxBatch: -2 }),
    { name: 'UdpLinkError' }
  )
})

void test('BatchedUdpLink: an unresolvable host rejects', async () => {
  await assert.rejects(
    BatchedUdpLink.open({ host: 'no-such-host.invalid', port: 1194, proto: 'udp' }),
    { name: 'UdpLinkError' }
  )
})
