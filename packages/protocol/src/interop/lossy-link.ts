/**
 * @module interop/lossy-link
 * Test-only LinkFactory decorator that drops every `every`-th control packet in each direction
 * (the 2nd, then every `every` packets after it), to exercise the reliability layer against a
 * real server deterministically: the lab has no netem. Data packets pass untouched.
 */
import { isDataOpcode } from '../wire/constants.js'
import type { Link, LinkFactory } from '../link/link.js'

export interface LossStats {
  droppedOut: number
  droppedIn: number
}

export function lossyControlLinks(
  inner: LinkFactory,
  every: number,
  stats: LossStats
): LinkFactory {
  const counters = { out: 0, in: 0 }
  const drop = (packet: Buffer, dir: 'out' | 'in'): boolean => {
    if (isDataOpcode((packet[0] ?? 0) >> 3)) return false
    counters[dir] += 1
    return counters[dir] % every === 2 % every
  }
  return async (remote, opts) => {
    const link = await inner(remote, opts)
    const wrapped: Link = {
      protocol: link.protocol,
      remote: link.remote,
      send: (p) => {
        if (drop(p, 'out')) stats.droppedOut += 1
        else link.send(p)
      },
      onPacket: (h) =>
        link.onPacket((p) => {
          if (drop(p, 'in')) stats.droppedIn += 1
          else h(p)
        }),
      onClose: (h) => link.onClose(h),
      close: () => link.close(),
    }
    return wrapped
  }
}
