/**
 * Thin wrapper around iproute2's `ip` (JSON output where reading): links, addresses, routes
 * and route look-ups in the network namespace the process runs in. Spec §7.4 (b): what the
 * TUN configuration applies. Every call is bounded in time; failures raise IpCommandError.
 * Changes that go together run through one `ip -batch -` (one process instead of one per
 * change); the batch reports how many commands succeeded, so callers keep exact undo lists.
 */
import { execFile } from 'node:child_process'
import { IpCommandError } from '../errors.js'

export type Family = 4 | 6

/** One `ip` command line as arguments (a leading `-4`/`-6` family flag is allowed). */
export type IpCommand = readonly string[]

/** Outcome of a batch: commands `[0, done)` succeeded; `error` says why `done` failed. */
export interface BatchOutcome {
  done: number
  error?: IpCommandError
}

export interface IpRunner {
  run(args: readonly string[]): Promise<string>
  /**
   * Runs the commands in order through one `ip -batch -`, stopping at the first failure.
   * Optional: without it `Ip.batch` runs them one by one. Rejects only when it cannot tell
   * which command failed.
   */
  runBatch?(commands: readonly IpCommand[]): Promise<BatchOutcome>
}

export const IP_TIMEOUT_MS = 10_000

/** A batch line carries no options: the family flag goes, `ip` infers it from the address. */
function batchLine(cmd: IpCommand): string {
  const args = cmd[0] === '-4' || cmd[0] === '-6' ? cmd.slice(1) : cmd
  return args.join(' ')
}

/** Arguments that survive `ip -batch` word splitting unchanged. */
export function batchable(cmd: IpCommand): boolean {
  return cmd.length > 0 && cmd.every((a) => /^[A-Za-z0-9_.:/@%+=,-]+$/.test(a))
}

/** Runs `/sbin/ip` (or `ip` from PATH). */
export function createIpRunner(binary = 'ip', prefix: readonly string[] = []): IpRunner {
  return {
    run(args) {
      return new Promise((resolve, reject) => {
        const argv = [...prefix, ...args]
        execFile(binary, argv, { timeout: IP_TIMEOUT_MS }, (err, stdout, stderr) => {
          if (err) reject(new IpCommandError(args, stderr || err.message, { cause: err }))
          else resolve(stdout)
        })
      })
    },
    runBatch(commands) {
      return new Promise((resolve, reject) => {
        const child = execFile(
          binary,
          [...prefix, '-batch', '-'],
          { timeout: IP_TIMEOUT_MS },
          (err, _stdout, stderr) => {
            if (!err) {
              resolve({ done: commands.length })
              return
            }
            // `ip -batch` stops at the first failing line and names it: "Command failed -:N"
            const m = /^Command failed -:(\d+)$/m.exec(stderr)
            const line = m ? Number(m[1]) : NaN
            const failed = commands[line - 1]
            if (failed === undefined) {
              const what = ['-batch', '-']
              reject(new IpCommandError(what, stderr || err.message, { cause: err }))
              return
            }
            const text = stderr.replace(/^Command failed -:\d+\n?/m, '')
            resolve({ done: line - 1, error: new IpCommandError(failed, text, { cause: err }) })
          }
        )
        child.stdin?.on('error', () => undefined)
        child.stdin?.end(commands.map((c) => `${batchLine(c)}\n`).join(''))
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

/** The command lines behind the Ip methods that change things (for batches). */
export const ipCommand = {
  linkSet(dev: string, opts: { up?: boolean; mtu?: number; txqueuelen?: number }): IpCommand {
    const a = ['link', 'set', 'dev', dev]
    if (opts.mtu !== undefined) a.push('mtu', String(opts.mtu))
    if (opts.txqueuelen !== undefined) a.push('txqueuelen', String(opts.txqueuelen))
    if (opts.up !== undefined) a.push(opts.up ? 'up' : 'down')
    return a
  },
  addrAdd(family: Family, dev: string, cidr: string): IpCommand {
    // no duplicate address detection on a point-to-point TUN: the address is usable at once
    const extra = family === 6 ? ['nodad'] : []
    return [`-${family}`, 'addr', 'add', cidr, 'dev', dev, ...extra]
  },
  routeAdd(r: RouteSpec): IpCommand {
    return [`-${r.family}`, 'route', 'add', ...routeTail(r)]
  },
}

export class Ip {
  constructor(readonly runner: IpRunner = createIpRunner()) {}

  /**
   * Runs `commands` in order, stopping at the first failure: through one `ip -batch -` when
   * the runner can and the arguments allow, else one `ip` per command.
   */
  async batch(commands: readonly IpCommand[]): Promise<BatchOutcome> {
    if (commands.length === 0) return { done: 0 }
    if (commands.length > 1 && this.runner.runBatch && commands.every(batchable)) {
      return this.runner.runBatch(commands)
    }
    for (let i = 0; i < commands.length; i++) {
      try {
        await this.runner.run(commands[i] ?? [])
      } catch (err) {
        if (err instanceof IpCommandError) return { done: i, error: err }
        throw err
      }
    }
    return { done: commands.length }
  }

  async linkSet(
    dev: string,
    opts: { up?: boolean; mtu?: number; txqueuelen?: number }
  ): Promise<void> {
    await this.runner.run(ipCommand.linkSet(dev, opts))
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
    await this.runner.run(ipCommand.addrAdd(family, dev, cidr))
  }

  async addrDel(family: Family, dev: string, cidr: string): Promise<void> {
    await this.runner.run([`-${family}`, 'addr', 'del', cidr, 'dev', dev])
  }

  async routeAdd(r: RouteSpec): Promise<void> {
    await this.runner.run(ipCommand.routeAdd(r))
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
