/**
 * @module link/packet-queue
 * A FIFO of packets with a bounded wait: used by MemoryTun and the link tests.
 */

export class PacketQueue {
  private readonly items: Buffer[] = []
  private readonly waiters: Array<(b: Buffer) => void> = []

  push(b: Buffer): void {
    const w = this.waiters.shift()
    if (w) w(b)
    else this.items.push(b)
  }

  /** Next packet, or undefined after `ms`. */
  next(ms: number): Promise<Buffer | undefined> {
    const b = this.items.shift()
    if (b) return Promise.resolve(b)
    return new Promise((resolve) => {
      const waiter = (x: Buffer): void => {
        clearTimeout(t)
        resolve(x)
      }
      const t = setTimeout(() => {
        const i = this.waiters.indexOf(waiter)
        if (i >= 0) this.waiters.splice(i, 1)
        resolve(undefined)
      }, ms)
      this.waiters.push(waiter)
    })
  }
}
