/**
 * @module link/link-compliance
 * The `Link` port contract as a reusable test suite (style rule 9): every Link implementation
 * runs it against a peer it provides. Test-only code (uses node:test).
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import type { Link } from './link.js'
import { PacketQueue } from './packet-queue.js'

export { PacketQueue }

export interface LinkPeer {
  /** The link under test, connected to the peer. */
  link: Link
  /** Makes the peer send one OpenVPN packet to the link. */
  sendFromPeer(packet: Buffer): void
  /** Resolves with the next packet the peer received from the link. */
  nextAtPeer(timeoutMs: number): Promise<Buffer | undefined>
  /** Tears the peer down. */
  close(): Promise<void>
}

function packetsFrom(link: Link): PacketQueue {
  const q = new PacketQueue()
  link.onPacket((p) => q.push(p))
  return q
}

/** Registers the compliance tests for links made by `make`. */
export function linkComplianceSuite(name: string, make: () => Promise<LinkPeer>): void {
  void test(`${name}: whole packets both ways, in order`, async () => {
    const p = await make()
    try {
      const rx = packetsFrom(p.link)
      const sizes = [1, 14, 1250, 1600]
      for (const n of sizes) p.link.send(Buffer.alloc(n, n & 0xff))
      for (const n of sizes) assert.deepEqual(await p.nextAtPeer(2000), Buffer.alloc(n, n & 0xff))
      for (const n of sizes) p.sendFromPeer(Buffer.alloc(n, (n + 1) & 0xff))
      for (const n of sizes) assert.deepEqual(await rx.next(2000), Buffer.alloc(n, (n + 1) & 0xff))
    } finally {
      await p.close()
    }
  })

  void test(`${name}: close() is idempotent, reports once without error, stops delivery`, async () => {
    const p = await make()
    try {
      const closes: Array<Error | undefined> = []
      p.link.onClose((e) => closes.push(e))
      let after = 0
      await p.link.close()
      p.link.onPacket(() => (after += 1))
      await p.link.close()
      p.link.send(Buffer.from('ignored after close'))
      p.sendFromPeer(Buffer.from('late'))
      await new Promise((r) => setTimeout(r, 100))
      assert.deepEqual(closes, [undefined])
      assert.equal(after, 0)
    } finally {
      await p.close()
    }
  })
}
