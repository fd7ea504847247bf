/**
 * Thin wrapper around iproute2's `ip` (JSON output where reading): links, addresses, routes
 * and route look-ups in the network namespace the process runs in. Spec §7.4 (b): what the
 * TUN configuration applies. Every call is bounded in time; failures raise IpCommandError.
 */
import { execFile } from 'node:child_process'
import { IpCommandError } from '../errors.js'

export type Family = 4 | 6

export interface IpRunner {
  run(args: readonly string[]): Promise<string>
}

export const IP_TIMEOUT_MS = 10_000

/** Runs `/sbin/ip` (or `ip` from PATH). */
export function createIpRunner(binary = 'ip'): IpRunner {
  return {
    run(args) {
      return new Promise((resolve, reject) => {
        execFile(binary, args, { timeout: IP_TIMEOUT_MS }, (err, stdout, stderr) => {
          if (err) reject(new IpCommandError(args, stderr || err.message, { cause: err }))
          else resolve(stdout)
        })
      })
    },
  }
}

export interface RouteSpec {
  family: Family
  /** `a.b.c.d/n` or `x::/n` */
  dst: string
  dev?: string
  via?: string
  metric?: number
}

export interface RouteLookup {
  /** gateway, absent when the destination is on-link */
  gateway?: string
  dev?: string
  /** route type when not unicast (unreachable, prohibit, …) */
  type?: string
}

function routeTail(r: RouteSpec): string[] {
  const a = [r.dst]
  if (r.via !== undefined) a.push('via', r.via)
  if (r.dev !== undefined) a.push('dev', r.dev)
  if (r.metric !== undefined) a.push('metric', String(r.metric))
  return a
}

export class Ip {
  constructor(readonly runner: IpRunner = createIpRunner()) {}

  async linkSet(
    dev: string,
    opts: { up?: boolean; mtu?: number; txqueuelen?: number }
  ): Promise<void> {
    const a = ['link', 'set', 'dev', dev]
    if (opts.mtu !== undefined) a.push('mtu', String(opts.mtu))
    if (opts.txqueuelen !== undefined) a.push('txqueuelen', String(opts.txqueuelen))
    if (opts.up !== undefined) a.push(opts.up ? 'up' : 'down')
    await this.runner.run(a)
  }

  async linkIndex(dev: string): Promise<number> {
    const out = await this.runner.run(['-json', 'link', 'show', 'dev', dev])
    const parsed = JSON.parse(out) as { ifindex?: unknown }[]
    const idx = parsed[0]?.ifindex
    if (typeof idx !== 'number') throw new IpCommandError(['link', 'show', dev], 'no ifindex')
    return idx
  }

  async linkDel(dev: string): Promise<void> {
    await this.runner.run(['link', 'del', 'dev', dev])
  }

  async linkExists(dev: string): Promise<boolean> {
    try {
      await this.runner.run(['link', 'show', 'dev', dev])
      return true
    } catch {
      return false
    }
  }

  async addrAdd(family: Family, dev: string, cidr: string): Promise<void> {
    // no duplicate address detection on a point-to-point TUN: the address is usable at once
    const extra = family === 6 ? ['nodad'] : []
    await this.runner.run([`-${family}`, 'addr', 'add', cidr, 'dev', dev, ...extra])
  }

  async addrDel(family: Family, dev: string, cidr: string): Promise<void> {
    await this.runner.run([`-${family}`, 'addr', 'del', cidr, 'dev', dev])
  }

  async routeAdd(r: RouteSpec): Promise<void> {
    await this.runner.run([`-${r.family}`, 'route', 'add', ...routeTail(r)])
  }

  async routeDel(r: RouteSpec): Promise<void> {
    await this.runner.run([`-${r.family}`, 'route', 'del', ...routeTail(r)])
  }

  /** The route the kernel would use for `addr` now; undefined when there is none. */
  async routeGet(family: Family, addr: string): Promise<RouteLookup | undefined> {
    let out: string
    try {
      out = await this.runner.run([`-${family}`, '-json', 'route', 'get', addr])
    } catch {
      return undefined
    }
    const parsed = JSON.parse(out) as { gateway?: unknown; dev?: unknown; type?: unknown }[]
    const r = parsed[0]
    if (!r) return undefined
    const res: RouteLookup = {}
    if (typeof r.gateway === 'string') res.gateway = r.gateway
    if (typeof r.dev === 'string') res.dev = r.dev
    if (typeof r.type === 'string' && r.type !== 'unicast') res.type = r.type
    return res
  }

  /** Default routes of the main table (`default via … dev …`), best metric first. */
  async defaultRoutes(family: Family): Promise<RouteLookup[]> {
    const out = await this.runner.run([`-${family}`, '-json', 'route', 'show', 'default'])
    const parsed = JSON.parse(out) as { gateway?: unknown; dev?: unknown; metric?: unknown }[]
    return parsed
      .slice()
      .sort((a, b) => Number(a.metric ?? 0) - Number(b.metric ?? 0))
      .map((r) => {
        const res: RouteLookup = {}
        if (typeof r.gateway === 'string') res.gateway = r.gateway
        if (typeof r.dev === 'string') res.dev = r.dev
        return res
      })
  }

  /** `ip -json route show` for one family (tests and diagnostics). */
  async routeShow(family: Family): Promise<unknown[]> {
    const out = await this.runner.run([`-${family}`, '-json', 'route', 'show'])
    return JSON.parse(out) as unknown[]
  }
}
