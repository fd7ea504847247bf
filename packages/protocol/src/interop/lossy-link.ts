/**
 * @module interop/lossy-link
 * Test-only LinkFactory decorator that drops a share of control packets in both directions
 * (deterministic PRNG), to exercise the reliability layer against a real server: the lab has
 * no netem. Data packets pass untouched.
 */
import { isDataOpcode } from '../wire/constants.js'
import type { Link, LinkFactory } from '../link/link.js'
import { prng } from '../testing/fixtures.js'

export interface LossStats {
  droppedOut: number
  droppedIn: number
}

export function lossyControlLinks(
  inner: LinkFactory,
  lossPercent: number,
  seed: number,
  stats: LossStats
): LinkFactory {
  const rand = prng(seed)
  const drop = (packet: Buffer): boolean =>
    !isDataOpcode((packet[0] ?? 0) >> 3) && rand() * 100 < lossPercent
  return async (remote, opts) => {
    const link = await inner(remote, opts)
    const wrapped: Link = {
      protocol: link.protocol,
      remote: link.remote,
      send: (p) => {
        if (drop(p)) stats.droppedOut += 1
        else link.send(p)
      },
      onPacket: (h) =>
        link.onPacket((p) => {
          if (drop(p)) stats.droppedIn += 1
          else h(p)
        }),
      onClose: (h) => link.onClose(h),
      close: () => link.close(),
    }
    return wrapped
  }
}
