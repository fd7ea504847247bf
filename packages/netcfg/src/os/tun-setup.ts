/**
 * Applies a device's queued configuration to the kernel (spec §7.4 (b)): open the TUN (the
 * kernel picks the name), MTU, txqueuelen, link up, addresses, included routes, excluded routes
 * via the pre-VPN gateway, and for redirect-gateway a host route to the VPN server via the
 * pre-VPN gateway plus the two half-default routes (0.0.0.0/1 + 128.0.0.0/1, ::/1 + 8000::/1).
 * Every change is recorded in the undo list right after it is made; on a failure half-way the
 * caller runs the list. Pre-VPN routes are looked up before anything is changed. The changes
 * after opening the TUN go to the kernel through one `ip -batch` (see runSteps).
 */
import { TunDevice } from '../tun/tun-device.js'
import { hostPrefix, networkOf } from './addr.js'
import {
  type BatchOutcome,
  type Family,
  type Ip,
  type IpCommand,
  type RouteLookup,
  type RouteSpec,
  ipCommand,
} from './ip.js'
import type { UndoList } from './undo.js'

export interface TunAddress {
  family: Family
  address: string
  prefix: number
  /** tunnel gateway (the server's tunnel address), may be '' */
  gateway: string
}

export interface TunNetwork {
  family: Family
  address: string
  prefix: number
  /** -1 = default metric */
  metric: number
  exclude: boolean
}

export type RedirectMethod = 'host-route' | 'bind-device' | 'none'

export interface TunSetupConfig {
  mtu: number
  txqueuelen: number
  addresses: readonly TunAddress[]
  networks: readonly TunNetwork[]
  remote?: { family: Family; address: string }
  rerouteIpv4: boolean
  rerouteIpv6: boolean
  redirectMethod: RedirectMethod
}

/** One change made, for NetworkChange events (spec §7.5). */
export type TunChange =
  | { kind: 'device'; name: string }
  | { kind: 'address'; family: Family; address: string; prefix: number }
  | {
      kind: 'route'
      family: Family
      subnet: string
      prefix: number
      gateway: string
      exclude: boolean
    }

export interface TunSetupResult {
  tun: TunDevice
  changes: TunChange[]
}

export interface TunSetupComponents {
  ip: Ip
  undo: UndoList
  log: (msg: string) => void
  /** opens the TUN; default: TunDevice.open('') in this process's namespace */
  openTun?: () => TunDevice
}

export const HALF_DEFAULTS: Record<Family, readonly [string, string]> = {
  4: ['0.0.0.0', '128.0.0.0'],
  6: ['::', '8000::'],
}

function sameFamilyGateway(addresses: readonly TunAddress[], family: Family): string {
  return addresses.find((a) => a.family === family && a.gateway !== '')?.gateway ?? ''
}

/** A route that leaves through the pre-VPN path found by `lookup`. */
function bypassRoute(
  family: Family,
  dst: string,
  lookup: RouteLookup | undefined,
  metric?: number
): RouteSpec | undefined {
  if (!lookup || lookup.type !== undefined || lookup.dev === undefined) return undefined
  const r: RouteSpec = { family, dst, dev: lookup.dev }
  if (lookup.gateway !== undefined) r.via = lookup.gateway
  if (metric !== undefined) r.metric = metric
  return r
}

/**
 * One change of the batch: its command, the undo record to push once it is known to be made,
 * and for routes whether `File exists` is tolerated (someone's route already does it).
 */
interface Step {
  cmd: IpCommand
  made: () => void
  exists?: () => void
}

/**
 * Runs the steps in order through `ip -batch` (one process), pushing each made change's undo
 * record: the batch tells how many commands succeeded, so the undo list stays exact. A step
 * whose object already exists (and may) is logged and skipped, and the rest goes on in a new
 * batch. If `ip` cannot say where it stopped (killed by the timeout), every step of that batch
 * is recorded: undoing a change that was never made is harmless (missing objects are ignored).
 */
async function runSteps(ip: Ip, steps: readonly Step[]): Promise<void> {
  let rest = steps
  while (rest.length > 0) {
    let outcome: BatchOutcome
    try {
      outcome = await ip.batch(rest.map((s) => s.cmd))
    } catch (err) {
      for (const s of rest) s.made()
      throw err
    }
    for (const s of rest.slice(0, outcome.done)) s.made()
    const failed = rest[outcome.done]
    if (!outcome.error || !failed) return
    if (!failed.exists || !outcome.error.exists) throw outcome.error
    failed.exists()
    rest = rest.slice(outcome.done + 1)
  }
}

function routeStep(c: TunSetupComponents, r: RouteSpec, what: string): Step {
  return {
    cmd: ipCommand.routeAdd(r),
    made: () =>
      c.undo.push(`route ${r.dst}`, async () => {
        try {
          await c.ip.routeDel(r)
        } catch (err) {
          // gone with its device already
          if ((err as { missing?: boolean }).missing !== true) throw err
        }
      }),
    exists: () => c.log(`${what} ${r.dst} already exists; left as it is`),
  }
}

export async function setUpTun(
  cfg: TunSetupConfig,
  c: TunSetupComponents
): Promise<TunSetupResult> {
  const { ip, undo } = c
  const changes: TunChange[] = []

  // 1. Pre-VPN paths, looked up before any tunnel route exists.
  const redirect = cfg.redirectMethod !== 'none'
  const wantsServerRoute = (f: Family): boolean =>
    redirect && cfg.remote?.family === f && (f === 4 ? cfg.rerouteIpv4 : cfg.rerouteIpv6)
  let serverRoute: RouteSpec | undefined
  if (cfg.remote && wantsServerRoute(cfg.remote.family)) {
    const f = cfg.remote.family
    serverRoute = bypassRoute(
      f,
      `${cfg.remote.address}/${hostPrefix(f)}`,
      await ip.routeGet(f, cfg.remote.address)
    )
    if (!serverRoute)
      c.log(`No pre-VPN route to the server ${cfg.remote.address}; no host route added`)
  }
  const excluded: { net: TunNetwork; dst: string; route: RouteSpec | undefined }[] = []
  for (const n of cfg.networks.filter((x) => x.exclude)) {
    const dst = `${networkOf(n.family, n.address, n.prefix)}/${n.prefix}`
    const route = bypassRoute(
      n.family,
      dst,
      await ip.routeGet(n.family, n.address),
      n.metric >= 0 ? n.metric : undefined
    )
    excluded.push({ net: n, dst, route })
  }

  // 2. The TUN itself.
  const tun = (c.openTun ?? (() => TunDevice.open('')))()
  const dev = tun.name
  undo.push(`device ${dev}`, async () => {
    tun.close()
    try {
      await ip.linkDel(dev)
    } catch (err) {
      if ((err as { missing?: boolean }).missing !== true) throw err
    }
  })
  changes.push({ kind: 'device', name: dev })
  const link: { mtu?: number; txqueuelen?: number; up: boolean } = { up: true }
  if (cfg.mtu > 0) link.mtu = cfg.mtu
  if (cfg.txqueuelen > 0) link.txqueuelen = cfg.txqueuelen
  const steps: Step[] = [{ cmd: ipCommand.linkSet(dev, link), made: () => undefined }]

  // 3. Addresses.
  for (const a of cfg.addresses) {
    const cidr = `${a.address}/${a.prefix}`
    steps.push({
      cmd: ipCommand.addrAdd(a.family, dev, cidr),
      made: () =>
        undo.push(`address ${cidr}`, async () => {
          try {
            await ip.addrDel(a.family, dev, cidr)
          } catch (err) {
            if ((err as { missing?: boolean }).missing !== true) throw err
          }
        }),
    })
    changes.push({ kind: 'address', family: a.family, address: a.address, prefix: a.prefix })
  }

  // 4. Host route to the server, before the half-defaults would capture it.
  if (serverRoute) steps.push(routeStep(c, serverRoute, 'Server host route'))

  // 5. Included routes, then excluded ones.
  for (const n of cfg.networks.filter((x) => !x.exclude)) {
    const subnet = networkOf(n.family, n.address, n.prefix)
    const r: RouteSpec = { family: n.family, dst: `${subnet}/${n.prefix}`, dev }
    if (n.metric >= 0) r.metric = n.metric
    steps.push(routeStep(c, r, 'Route'))
    changes.push({
      kind: 'route',
      family: n.family,
      subnet,
      prefix: n.prefix,
      gateway: sameFamilyGateway(cfg.addresses, n.family),
      exclude: false,
    })
  }
  for (const e of excluded) {
    if (e.route) steps.push(routeStep(c, e.route, 'Excluded route'))
    else c.log(`No pre-VPN route for excluded network ${e.dst}; skipped`)
    changes.push({
      kind: 'route',
      family: e.net.family,
      subnet: networkOf(e.net.family, e.net.address, e.net.prefix),
      prefix: e.net.prefix,
      gateway: sameFamilyGateway(cfg.addresses, e.net.family),
      exclude: true,
    })
  }

  // 6. Redirect-gateway: two half-default routes per family.
  for (const f of [4, 6] as const) {
    const on = f === 4 ? cfg.rerouteIpv4 : cfg.rerouteIpv6
    if (!on || !redirect) continue
    for (const half of HALF_DEFAULTS[f]) {
      steps.push(routeStep(c, { family: f, dst: `${half}/1`, dev }, 'Half-default route'))
      changes.push({
        kind: 'route',
        family: f,
        subnet: half,
        prefix: 1,
        gateway: sameFamilyGateway(cfg.addresses, f),
        exclude: false,
      })
    }
  }

  // 2.–6. applied in one go, in this order
  await runSteps(ip, steps)
  return { tun, changes }
}
