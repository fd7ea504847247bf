/**
 * The net.openvpn.v3.netcfg service (spec §7.2, §7.3): the manager object, device objects
 * bound to their creator's bus name, NetworkChange subscriptions, ProtectSocket host routes and
 * the DNS back-end. Access: device methods and property writes only from the creating
 * connection or root; reads from the creator's UID or root (the issue's least-privilege rule; the
 * bus policy further limits who may call at all). Lifecycle: start() → running → stop()
 * (idempotent: destroys every device, removes host routes, restores DNS, releases the name).
 */
import {
  AccessDeniedError,
  BusName,
  ErrorDomain,
  ObjectPath,
  SERVICE_VERSION,
  ServiceError,
  ServiceHost,
  netcfgDeviceInterface,
  netcfgDevicePath,
  netcfgManagerInterface,
  releaseName,
  requestName,
  startIdleExit,
  watchNameVanish,
  type CallContext,
  type DBusConnection,
  type ExportedObject,
  type NameWatch,
  type ObjectImpl,
  type ServiceLogger,
} from '@openvpn3-ts/dbus'
import { isIP } from 'node:net'
import type { DnsBackend } from '../os/dns.js'
import type { Ip } from '../os/ip.js'
import type { TunDevice } from '../tun/tun-device.js'
import { NetcfgDevice } from './device.js'
import { dcoAvailable } from './dco.js'
import type { NetcfgOptions } from './options.js'
import { SocketProtector } from './protect.js'
import { Subscriptions } from './subscriptions.js'

export interface NetcfgServiceComponents {
  conn: DBusConnection
  ip: Ip
  dns: DnsBackend | undefined
  /** the service's logger (logger.ts); start() connects it, stop() closes it */
  log: ServiceLogger
  /** tests: open TUNs differently */
  openTun?: () => TunDevice
}

interface DeviceEntry {
  device: NetcfgDevice
  object: ExportedObject<typeof netcfgDeviceInterface>
}

export class NetcfgService {
  readonly host: ServiceHost
  readonly #devices = new Map<string, DeviceEntry>()
  readonly #subs = new Subscriptions()
  readonly #protector: SocketProtector
  /** unique name → watch, for device creators, subscribers and ProtectSocket callers */
  readonly #watches = new Map<string, Promise<NameWatch | undefined>>()
  /** unique name → PID, for cleaning up host routes when the caller vanishes */
  readonly #pidOf = new Map<string, number>()
  /**
   * unique name → its ProtectSocket calls still running. A backend may send its device calls
   * without waiting for the ProtectSocket reply (the D-Bus order is kept); Establish of that
   * caller's device waits for them, so the host route's pre-VPN look-up never sees the new
   * tunnel's routes (upstream's netcfg handles calls one at a time, which gives the same order).
   */
  readonly #protecting = new Map<string, Promise<void>>()
  #stopIdle: () => void = () => undefined
  #stopped = false
  readonly #done: Promise<string>
  #finish!: (reason: string) => void

  constructor(
    readonly options: NetcfgOptions,
    private readonly c: NetcfgServiceComponents
  ) {
    this.host = new ServiceHost(c.conn, { onHandlerError: c.log.handlerError })
    this.#protector = new SocketProtector(c.ip, options.redirectMethod, c.log, options.setSomark)
    this.#done = new Promise((r) => (this.#finish = r))
  }

  /** Settles with a reason when the service ends by itself (idle exit, bus lost). */
  get done(): Promise<string> {
    return this.#done
  }

  get deviceCount(): number {
    return this.#devices.size
  }

  async start(): Promise<void> {
    const { log } = this.c
    // Log signals from here on: attach to the log service if it runs (never activate it)
    // and follow it when it appears later or restarts (spec §1.5, §7.1, §8.2)
    await log.connect(this.c.conn)
    this.host.export(ObjectPath.netcfg, netcfgManagerInterface, this.#managerImpl())
    await requestName(this.c.conn, BusName.netcfg)
    log.info(`Redirect method: ${this.options.redirectMethod}`)
    log.info(`DNS resolver: ${this.c.dns?.kind ?? 'none'}`)
    this.#stopIdle = startIdleExit(this.host, {
      idleMs: this.options.idleExitMin * 60_000,
      isBusy: () => this.#devices.size > 0 || this.#protector.pids.length > 0,
      onIdle: () => this.#finish('idle'),
    })
    void this.c.conn.closed.then(() => this.#finish('bus connection lost'))
  }

  /** Tears everything down (reverse order of set-up). Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#stopIdle()
    for (const e of [...this.#devices.values()]) await this.#destroyDevice(e, 'at service exit')
    await this.#protector.removeAll()
    try {
      await this.c.dns?.close()
    } catch (err) {
      this.c.log.error(`DNS back-end close failed: ${String(err)}`)
    }
    for (const w of this.#watches.values()) {
      await w.then((x) => x?.cancel()).catch(() => undefined)
    }
    this.#watches.clear()
    // Detach from the log service; later lines go to the local copy only
    await this.c.log.close().catch(() => undefined)
    this.host.close()
    if (!this.c.conn.isClosed) await releaseName(this.c.conn, BusName.netcfg).catch(() => undefined)
    this.#finish('stopped')
  }

  // ---- caller tracking --------------------------------------------------------------

  #watch(sender: string): void {
    if (this.#watches.has(sender)) return
    this.#watches.set(
      sender,
      watchNameVanish(this.c.conn, sender, () => void this.#onVanished(sender)).catch(
        (err: unknown) => {
          this.c.log.error(`Cannot watch ${sender}: ${String(err)}`)
          return undefined
        }
      )
    )
  }

  async #onVanished(sender: string): Promise<void> {
    this.#watches.delete(sender)
    this.host.callers.forget(sender)
    this.#subs.drop(sender)
    for (const e of [...this.#devices.values()]) {
      if (e.device.owner.sender === sender) {
        await this.#destroyDevice(e, `as its owner ${sender} disconnected`)
      }
    }
    const pid = this.#pidOf.get(sender)
    this.#pidOf.delete(sender)
    if (pid !== undefined) await this.#protector.removeFor(pid)
  }

  async #destroyDevice(e: DeviceEntry, reason: string): Promise<void> {
    try {
      await e.device.destroy(reason)
    } finally {
      if (this.#devices.get(e.device.path) === e) {
        this.#devices.delete(e.device.path)
        e.object.unexport()
      }
    }
  }

  #emitChange(path: string, type: number, device: string, details: Record<string, string>): void {
    const targets = this.#subs.targets(type)
    if (targets.length === 0 || this.c.conn.isClosed) return
    this.host.emitSignal(path, netcfgManagerInterface, 'NetworkChange', [type, device, details], {
      destination: targets,
    })
  }

  #tunnelNames(): Set<string> {
    const s = new Set<string>()
    for (const e of this.#devices.values()) {
      if (e.device.state === 'established') s.add(e.device.deviceName)
    }
    return s
  }

  // ---- manager object (spec §7.2) ---------------------------------------------------

  #managerImpl(): ObjectImpl<typeof netcfgManagerInterface> {
    const requireRoot = async (ctx: CallContext): Promise<void> => {
      if ((await ctx.caller()).uid !== 0)
        throw new ServiceError(ErrorDomain.NETCFG, 'Access denied')
    }
    return {
      methods: {
        CreateVirtualInterface: async ({ device_name }, ctx) => this.#create(device_name, ctx),
        FetchInterfaceList: async (_a, ctx) => {
          await requireRoot(ctx)
          return [...this.#devices.keys()]
        },
        ProtectSocket: (args, ctx) => this.#trackProtect(ctx.sender, this.#protect(args, ctx)),
        DcoAvailable: () => dcoAvailable(),
        Cleanup: async (_a, ctx) => {
          const { pid } = await ctx.caller()
          this.c.log.info(`Cleaning up resources for PID ${pid}.`)
          for (const e of [...this.#devices.values()]) {
            if (e.device.owner.pid === pid)
              await this.#destroyDevice(e, `by cleanup for PID ${pid}`)
          }
          await this.#protector.removeFor(pid)
        },
        NotificationSubscribe: async ({ filter }, ctx) => {
          const { uid } = await ctx.caller()
          this.#subs.subscribe(ctx.sender, uid, filter)
          this.#watch(ctx.sender)
        },
        NotificationUnsubscribe: async ({ subscriber }, ctx) => {
          const { uid } = await ctx.caller()
          this.#subs.unsubscribe({ sender: ctx.sender, uid }, subscriber)
        },
        NotificationSubscriberList: async (_a, ctx) => {
          await requireRoot(ctx)
          return this.#subs.list()
        },
      },
      properties: {
        config_file: { get: () => this.options.configFile },
        global_dns_search: {
          get: () =>
            this.c.dns ? [...new Set(this.#allDevices().flatMap((d) => d.dns.search))] : [],
        },
        global_dns_servers: {
          get: () =>
            this.c.dns ? [...new Set(this.#allDevices().flatMap((d) => d.dns.servers))] : [],
        },
        log_level: {
          get: () => this.c.log.level,
          set: async (v, ctx) => {
            if ((await ctx.caller()).uid !== 0) throw new AccessDeniedError('Access denied')
            if (v > 6) throw new ServiceError(ErrorDomain.NETCFG, `Invalid log level: ${v}`)
            this.c.log.level = v
          },
        },
        version: { get: () => SERVICE_VERSION },
      },
    }
  }

  async #protect(
    { remote, ipv6, device_path }: { remote: string; ipv6: boolean; device_path: string },
    ctx: CallContext
  ): Promise<boolean> {
    const caller = await ctx.caller()
    const fd = ctx.fds[0]
    const dev = this.#devices.get(device_path)?.device
    this.c.log.info(
      `Socket protect called for socket ${fd ?? -1}, remote: '${remote}', tun: '${dev?.deviceName ?? ''}', ipv6: ${ipv6 ? 'yes' : 'no'}, device_path=${device_path}, device-object: ${dev ? 'found' : 'missing'}`
    )
    const family = ipv6 ? 6 : 4
    if (isIP(remote) !== family) {
      throw new ServiceError(ErrorDomain.NETCFG, `Invalid remote address '${remote}'`)
    }
    this.#pidOf.set(ctx.sender, caller.pid)
    this.#watch(ctx.sender)
    return this.#protector.protect({
      pid: caller.pid,
      remote,
      family,
      fd,
      tunnels: this.#tunnelNames(),
    })
  }

  #trackProtect(sender: string, run: Promise<boolean>): Promise<boolean> {
    const settled = run.then(
      () => undefined,
      () => undefined
    )
    const chain = Promise.all([this.#protecting.get(sender), settled]).then(() => {
      if (this.#protecting.get(sender) === chain) this.#protecting.delete(sender)
    })
    this.#protecting.set(sender, chain)
    return run
  }

  #allDevices(): NetcfgDevice[] {
    return [...this.#devices.values()].map((e) => e.device).reverse()
  }

  async #create(name: string, ctx: CallContext): Promise<string> {
    const caller = await ctx.caller()
    const path = netcfgDevicePath(caller.pid, name)
    if (name === '' || this.#devices.has(path) || this.#stopped) {
      throw new ServiceError(ErrorDomain.NETCFG, `Error creating virtual interface '${name}'`)
    }
    const device = new NetcfgDevice(
      path,
      name,
      { sender: ctx.sender, uid: caller.uid, pid: caller.pid },
      {
        ip: this.c.ip,
        dns: this.c.dns,
        log: this.c.log,
        redirectMethod: this.options.redirectMethod,
        emitChange: (type, dev, details) => this.#emitChange(path, type, dev, details),
        ...(this.c.openTun ? { openTun: this.c.openTun } : {}),
      }
    )
    const object = this.host.export(path, netcfgDeviceInterface, this.#deviceImpl(device))
    this.#devices.set(path, { device, object })
    this.#pidOf.set(ctx.sender, caller.pid)
    this.#watch(ctx.sender)
    this.c.log.info(
      `Virtual device '${name}' registered on ${path} (owner uid ${caller.uid}, owner pid ${caller.pid})`
    )
    return path
  }

  // ---- device objects (spec §7.3) ---------------------------------------------------

  #deviceImpl(d: NetcfgDevice): ObjectImpl<typeof netcfgDeviceInterface> {
    const entry = (): DeviceEntry | undefined => this.#devices.get(d.path)
    const configuring = (what: string): void => {
      if (d.state === 'destroyed')
        throw new ServiceError(ErrorDomain.NETCFG, `${what}: device is destroyed`)
    }
    return {
      authorize: async (req, ctx) => {
        if (ctx.sender === d.owner.sender) return
        const { uid } = await ctx.caller()
        if (uid === 0) return
        if (req.kind === 'get' && uid === d.owner.uid) return
        throw new AccessDeniedError('Access denied')
      },
      methods: {
        AddIPAddress: ({ ip_address, prefix, gateway, ipv6 }) =>
          d.addIPAddress(ip_address, prefix, gateway, ipv6),
        SetRemoteAddress: ({ ip_address, ipv6 }) => d.setRemoteAddress(ip_address, ipv6),
        AddNetworks: ({ networks }) => d.addNetworks(networks),
        AddDNS: async ({ server_list }) => d.addDNS(server_list),
        AddDNSSearch: async ({ domains }) => d.addDNSSearch(domains),
        SetDNSSEC: async ({ mode }) => d.setDNSSEC(mode),
        SetDNSTransport: async ({ mode }) => d.setDNSTransport(mode),
        EnableDCO: () => {
          throw new ServiceError(
            ErrorDomain.NETCFG,
            'EnableDCO: data channel offload (ovpn-dco) is not available in this netcfg build'
          )
        },
        Establish: async (_a, ctx) => {
          await this.#protecting.get(d.owner.sender)
          let fd: number
          try {
            fd = await d.establish()
          } catch {
            // spec §7.4: logged CRITICAL (done), reply without fd; the backend reports CONN_FAILED
            return
          }
          ctx.replyFds([fd], { close: true })
        },
        Disable: async () => {
          configuring('Disable')
          await d.disable()
        },
        Destroy: async (_a, ctx) => {
          const e = entry()
          if (!e) return
          const { uid } = await ctx.caller()
          await this.#destroyDevice(e, `by ${uid === 0 ? 'root' : `uid ${uid}`}`)
        },
      },
      properties: {
        acl: { get: () => [] },
        device_name: { get: () => d.deviceName },
        dns_name_servers: { get: () => [...d.dns.servers] },
        dns_search_domains: { get: () => [...d.dns.search] },
        dns_scope: { get: () => d.dns.scope, set: (v) => d.setDnsScope(v) },
        dnssec_mode: { get: () => (this.c.dns ? d.dns.dnssec : '') },
        layer: {
          get: () => d.layer,
          set: (v) => {
            configuring('layer')
            if (v !== 0 && v !== 3)
              throw new ServiceError(ErrorDomain.NETCFG, `Unsupported layer ${v}: only 3 (TUN)`)
            d.layer = v
          },
        },
        mtu: {
          get: () => d.mtu,
          set: (v) => {
            configuring('mtu')
            if (v !== 0 && v < 68) throw new ServiceError(ErrorDomain.NETCFG, `Invalid MTU ${v}`)
            d.mtu = v
          },
        },
        owner: { get: () => d.owner.uid },
        reroute_ipv4: { get: () => d.rerouteIpv4, set: (v) => void (d.rerouteIpv4 = v) },
        reroute_ipv6: { get: () => d.rerouteIpv6, set: (v) => void (d.rerouteIpv6 = v) },
        txqueuelen: {
          get: () => d.txqueuelen,
          set: (v) => {
            configuring('txqueuelen')
            d.txqueuelen = v
          },
        },
      },
    }
  }
}
