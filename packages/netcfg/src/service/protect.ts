/**
 * ProtectSocket (spec §7.2): keep the backend's transport socket out of the tunnel. With
 * `--set-somark` the socket gets SO_MARK; with redirect method `bind-device` it is bound to the
 * interface of the pre-VPN route to the server; with `host-route` (default) a host route to the
 * server via the pre-VPN gateway is added (replacing earlier ones of the same PID), ignoring
 * routes through our own TUN devices. Host routes are kept per PID and removed by `Cleanup`,
 * when the caller's bus name vanishes, and at exit.
 */
import { ErrorDomain, ServiceError, type Logger } from '@openvpn3-ts/dbus'
import { hostPrefix } from '../os/addr.js'
import type { Family, Ip, RouteLookup, RouteSpec } from '../os/ip.js'
import type { RedirectMethod } from '../os/tun-setup.js'
import { UndoList } from '../os/undo.js'
import { loadTunAddon } from '../tun/native.js'

export interface ProtectRequest {
  pid: number
  remote: string
  family: Family
  /** fd of the socket, or undefined when none came */
  fd: number | undefined
  /** names of our TUN devices, never used as the pre-VPN path */
  tunnels: ReadonlySet<string>
}

export class SocketProtector {
  readonly #routes = new Map<number, UndoList>()

  constructor(
    private readonly ip: Ip,
    private readonly method: RedirectMethod,
    private readonly log: Logger,
    private readonly somark: number | undefined
  ) {}

  /** PIDs that currently have host routes. */
  get pids(): number[] {
    return [...this.#routes.keys()]
  }

  async #preVpnPath(req: ProtectRequest): Promise<RouteLookup | undefined> {
    const direct = await this.ip.routeGet(req.family, req.remote)
    if (direct?.dev !== undefined && !req.tunnels.has(direct.dev) && direct.type === undefined) {
      return direct
    }
    return (await this.ip.defaultRoutes(req.family)).find(
      (r) => r.dev !== undefined && !req.tunnels.has(r.dev)
    )
  }

  async protect(req: ProtectRequest): Promise<boolean> {
    if (this.somark !== undefined) {
      if (req.fd === undefined) {
        throw new ServiceError(
          ErrorDomain.NETCFG,
          'SO_MARK requested but protect_socket call received no fd'
        )
      }
      loadTunAddon().setSocketMark(req.fd, this.somark)
    }
    switch (this.method) {
      case 'none':
        return true
      case 'bind-device': {
        if (req.fd === undefined) {
          throw new ServiceError(
            ErrorDomain.NETCFG,
            'bind to dev method requested but protect_socket call received no fd'
          )
        }
        const path = await this.#preVpnPath(req)
        if (path?.dev !== undefined) loadTunAddon().bindToDevice(req.fd, path.dev)
        return true
      }
      case 'host-route':
        await this.removeFor(req.pid)
        await this.#addHostRoute(req)
        return true
    }
  }

  async #addHostRoute(req: ProtectRequest): Promise<void> {
    const path = await this.#preVpnPath(req)
    if (path?.dev === undefined) {
      this.log.warn(`No pre-VPN route to ${req.remote}; no host route added`)
      return
    }
    const r: RouteSpec = {
      family: req.family,
      dst: `${req.remote}/${hostPrefix(req.family)}`,
      dev: path.dev,
    }
    if (path.gateway !== undefined) r.via = path.gateway
    try {
      await this.ip.routeAdd(r)
    } catch (err) {
      if ((err as { exists?: boolean }).exists === true) return // someone's route already does it
      throw err
    }
    let list = this.#routes.get(req.pid)
    if (!list) {
      list = new UndoList()
      this.#routes.set(req.pid, list)
    }
    list.push(`host route ${r.dst}`, () => this.ip.routeDel(r))
  }

  /** Removes the host routes added for `pid`. */
  async removeFor(pid: number): Promise<void> {
    const list = this.#routes.get(pid)
    if (!list) return
    this.#routes.delete(pid)
    for (const f of await list.undoAll()) {
      this.log.warn(
        `Removing ${f.what} failed: ${f.error instanceof Error ? f.error.message : String(f.error)}`
      )
    }
  }

  async removeAll(): Promise<void> {
    for (const pid of this.pids) await this.removeFor(pid)
  }
}
