/**
 * One netcfg device (spec §7.3, §7.4): settings are queued by the owning backend; `establish`
 * applies them (DNS first for resolv.conf, then the TUN, addresses and routes, then DNS for
 * systemd-resolved) and hands the TUN fd over; `disable` and `destroy` undo every change in
 * reverse order. Every change is recorded in the undo list as it is made, so a failure half-way
 * is undone too. State: configuring → established ⇄ disabled; any → destroyed (final).
 */
import { isIP } from 'node:net'
import { ErrorDomain, NetCfgChangeType, ServiceError, type Logger } from '@openvpn3-ts/dbus'
import type { DnsBackend, DnsLink, DnsSettings } from '../os/dns.js'
import { emptyDnsSettings } from '../os/dns.js'
import { checkPrefix, familyOf } from '../os/addr.js'
import type { Ip } from '../os/ip.js'
import {
  setUpTun,
  type RedirectMethod,
  type TunAddress,
  type TunChange,
  type TunNetwork,
} from '../os/tun-setup.js'
import { UndoList } from '../os/undo.js'
import type { TunDevice } from '../tun/tun-device.js'

export type DeviceState = 'configuring' | 'established' | 'disabled' | 'destroyed'

export interface DeviceOwner {
  /** unique bus name of the creator */
  sender: string
  uid: number
  pid: number
}

export interface DeviceComponents {
  ip: Ip
  dns: DnsBackend | undefined
  log: Logger
  redirectMethod: RedirectMethod
  /** emits NetworkChange (spec §7.5) from this device's path */
  emitChange: (type: number, device: string, details: Record<string, string>) => void
  openTun?: () => TunDevice
}

export const DEFAULT_MTU = 1500

const DNSSEC = new Set(['yes', 'no', 'optional'])
const TRANSPORT = new Set(['plain', 'dot', 'doh'])

function routeDetails(c: Extract<TunChange, { kind: 'route' }>): Record<string, string> {
  return {
    ip_version: String(c.family),
    subnet: c.subnet,
    prefix_size: String(c.prefix),
    prefix: String(c.prefix),
  }
}

export class NetcfgDevice {
  state: DeviceState = 'configuring'
  /** requested name, then the kernel name after Establish */
  deviceName: string
  mtu = DEFAULT_MTU
  layer = 0
  txqueuelen = 0
  rerouteIpv4 = false
  rerouteIpv6 = false
  readonly addresses: TunAddress[] = []
  readonly networks: TunNetwork[] = []
  remote: { family: 4 | 6; address: string } | undefined
  dns: DnsSettings = emptyDnsSettings()
  #undo = new UndoList()
  #changes: TunChange[] = []
  #dnsApplied = false
  /** serialises establish/disable/destroy */
  #busy: Promise<unknown> = Promise.resolve()

  constructor(
    readonly path: string,
    readonly requestedName: string,
    readonly owner: DeviceOwner,
    private readonly c: DeviceComponents
  ) {
    this.deviceName = requestedName
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#busy.then(fn, fn)
    this.#busy = run.catch(() => undefined)
    return run
  }

  #live(): void {
    if (this.state === 'destroyed') {
      throw new ServiceError(ErrorDomain.NETCFG, `Device ${this.path} is destroyed`)
    }
  }

  // ---- queued settings (spec §7.3) -------------------------------------------------

  addIPAddress(address: string, prefix: number, gateway: string, ipv6: boolean): void {
    this.#live()
    const family = this.#family(address, ipv6)
    this.#check(() => checkPrefix(family, prefix))
    if (gateway !== '' && isIP(gateway) !== family) {
      throw new ServiceError(ErrorDomain.NETCFG, `Invalid gateway address '${gateway}'`)
    }
    this.c.log.info(
      `Adding IP Address ${address}/${prefix} gw ${gateway} ipv6: ${ipv6 ? 'yes' : 'no'}`,
      { path: this.path }
    )
    this.addresses.push({ family, address, prefix, gateway })
  }

  setRemoteAddress(address: string, ipv6: boolean): void {
    this.#live()
    const family = this.#family(address, ipv6)
    this.c.log.info(`Setting remote IP address to ${address} ipv6: ${ipv6 ? 'yes' : 'no'}`, {
      path: this.path,
    })
    this.remote = { family, address }
  }

  addNetworks(networks: readonly (readonly [string, number, number, boolean, boolean])[]): void {
    this.#live()
    const parsed: TunNetwork[] = []
    for (const [address, prefix, metric, ipv6, exclude] of networks) {
      const family = this.#family(address, ipv6)
      this.#check(() => checkPrefix(family, prefix))
      parsed.push({ family, address, prefix, metric, exclude })
    }
    for (const n of parsed) {
      this.c.log.verb1(
        `Adding network ${n.address}/${n.prefix} metric ${n.metric} ipv6: ${n.family === 6 ? 'yes' : 'no'} exclude: ${n.exclude ? 'yes' : 'no'}`,
        { path: this.path }
      )
    }
    this.networks.push(...parsed)
  }

  async addDNS(servers: readonly string[]): Promise<void> {
    this.#live()
    for (const s of servers) {
      if (isIP(s) === 0) {
        this.c.log.warn(`Ignoring invalid DNS server address '${s}'`, { path: this.path })
        continue
      }
      if (!this.dns.servers.includes(s)) this.dns.servers.push(s)
    }
    await this.#dnsChanged()
  }

  async addDNSSearch(domains: readonly string[]): Promise<void> {
    this.#live()
    for (const d of domains) {
      if (d !== '' && !this.dns.search.includes(d)) this.dns.search.push(d)
    }
    await this.#dnsChanged()
  }

  async setDNSSEC(mode: string): Promise<void> {
    this.#live()
    if (!DNSSEC.has(mode)) {
      throw new ServiceError(ErrorDomain.NETCFG, `[SetDNSSEC] Invalid DNSSEC mode: '${mode}'`)
    }
    this.dns.dnssec = mode as DnsSettings['dnssec']
    await this.#dnsChanged()
  }

  async setDNSTransport(mode: string): Promise<void> {
    this.#live()
    if (!TRANSPORT.has(mode)) {
      throw new ServiceError(
        ErrorDomain.NETCFG,
        `[SetDNSTransport] Invalid DNS transport mode: '${mode}'`
      )
    }
    this.dns.transport = mode as DnsSettings['transport']
    await this.#dnsChanged()
  }

  async setDnsScope(scope: string): Promise<void> {
    this.#live()
    if (!this.c.dns) throw new ServiceError(ErrorDomain.NETCFG, 'No DNS resolver configured')
    if (scope !== 'global' && scope !== 'tunnel') {
      throw new ServiceError(ErrorDomain.NETCFG, `[SetDNSScope] Invalid DNS Scope value: ${scope}`)
    }
    this.dns.scope = scope
    await this.#dnsChanged()
  }

  #family(address: string, ipv6: boolean): 4 | 6 {
    let f: 4 | 6 = 4
    this.#check(() => {
      f = familyOf(address, ipv6)
    })
    return f
  }

  #check(fn: () => void): void {
    try {
      fn()
    } catch (err) {
      throw new ServiceError(ErrorDomain.NETCFG, err instanceof Error ? err.message : String(err), {
        cause: err,
      })
    }
  }

  /** DNS changed after Establish: apply at once (upstream applies on the next commit). */
  async #dnsChanged(): Promise<void> {
    if (!this.c.dns) {
      this.c.log.warn('No DNS resolver has been configured', { path: this.path })
      return
    }
    const dns = this.c.dns
    if (this.state !== 'established') return
    await this.#serial(async () => {
      if (this.state !== 'established') return
      if (this.#dnsApplied) await dns.apply(this.#dnsLink(), this.dns)
      else await this.#applyDns(dns, this.#undo) // first DNS settings after Establish
    })
  }

  #linkIndex: number | undefined

  #dnsLink(): DnsLink {
    const l: DnsLink = { id: this.path }
    if (this.state === 'established' || this.#linkIndex !== undefined) l.name = this.deviceName
    if (this.#linkIndex !== undefined) l.index = this.#linkIndex
    return l
  }

  // ---- lifecycle ------------------------------------------------------------------

  /**
   * Applies everything (spec §7.4 step 5) and returns the TUN fd for the reply; the service keeps
   * no copy. On failure everything done so far is undone and the error is rethrown.
   */
  establish(): Promise<number> {
    return this.#serial(async () => {
      this.#live()
      if (this.#undo.size > 0) await this.#teardown(false)
      const undo = this.#undo
      const dns = this.c.dns
      try {
        if (dns?.beforeTun) await this.#applyDns(dns, undo)
        const r = await setUpTun(
          {
            mtu: this.mtu,
            txqueuelen: this.txqueuelen,
            addresses: this.addresses,
            networks: this.networks,
            ...(this.remote ? { remote: this.remote } : {}),
            rerouteIpv4: this.rerouteIpv4,
            rerouteIpv6: this.rerouteIpv6,
            redirectMethod: this.c.redirectMethod,
          },
          {
            ip: this.c.ip,
            undo,
            log: (m) => this.c.log.warn(m, { path: this.path }),
            ...(this.c.openTun ? { openTun: this.c.openTun } : {}),
          }
        )
        this.deviceName = r.tun.name
        this.#changes = r.changes
        this.state = 'established'
        if (dns && !dns.beforeTun) {
          this.#linkIndex = await this.c.ip.linkIndex(r.tun.name)
          await this.#applyDns(dns, undo)
        }
        // events go out after the reply: a client that is also a subscriber then receives the
        // reply (and its fd) before the signals
        setImmediate(() => this.#emitUp())
        this.c.log.info(`Device '${this.deviceName}' established for PID ${this.owner.pid}`, {
          path: this.path,
        })
        return r.tun.detachFd()
      } catch (err) {
        this.c.log.critical(
          `Failed to establish ${this.path}: ${err instanceof Error ? err.message : String(err)}; undoing`,
          { path: this.path }
        )
        await this.#runUndo()
        this.state = 'configuring'
        this.deviceName = this.requestedName
        throw err
      }
    })
  }

  async #applyDns(dns: DnsBackend, undo: UndoList): Promise<void> {
    if (this.dns.servers.length === 0 && this.dns.search.length === 0) return
    const link = this.#dnsLink()
    await dns.apply(link, this.dns)
    this.#dnsApplied = true
    undo.push('dns', async () => {
      this.#dnsApplied = false
      await dns.revert(link)
      for (const s of this.dns.servers) {
        this.c.emitChange(NetCfgChangeType.DNS_SERVER_REMOVED, '', { dns_server: s })
      }
      for (const d of this.dns.search) {
        this.c.emitChange(NetCfgChangeType.DNS_SEARCH_REMOVED, '', { search_domain: d })
      }
    })
    const dev = dns.beforeTun ? '' : this.deviceName
    for (const s of this.dns.servers) {
      this.c.emitChange(NetCfgChangeType.DNS_SERVER_ADDED, dev, { dns_server: s })
    }
    for (const d of this.dns.search) {
      this.c.emitChange(NetCfgChangeType.DNS_SEARCH_ADDED, dev, { search_domain: d })
    }
  }

  #emitUp(): void {
    const dev = this.deviceName
    for (const ch of this.#changes) {
      switch (ch.kind) {
        case 'device':
          this.c.emitChange(NetCfgChangeType.DEVICE_ADDED, dev, {})
          break
        case 'address':
          this.c.emitChange(NetCfgChangeType.IPADDR_ADDED, dev, {
            ip_address: ch.address,
            prefix_size: String(ch.prefix),
            prefix: String(ch.prefix),
            ip_version: String(ch.family),
          })
          break
        case 'route':
          this.c.emitChange(
            ch.exclude ? NetCfgChangeType.ROUTE_EXCLUDED : NetCfgChangeType.ROUTE_ADDED,
            dev,
            { ...routeDetails(ch), gateway: ch.gateway }
          )
          break
      }
    }
  }

  #emitDown(dev: string): void {
    for (const ch of this.#changes.filter((c) => c.kind === 'route' && !c.exclude)) {
      if (ch.kind === 'route')
        this.c.emitChange(NetCfgChangeType.ROUTE_REMOVED, dev, routeDetails(ch))
    }
    for (const ch of this.#changes) {
      if (ch.kind === 'address') {
        this.c.emitChange(NetCfgChangeType.IPADDR_REMOVED, dev, {
          ip_address: ch.address,
          prefix_size: String(ch.prefix),
          prefix: String(ch.prefix),
          ip_version: String(ch.family),
        })
      }
    }
    if (this.#changes.some((c) => c.kind === 'device')) {
      this.c.emitChange(NetCfgChangeType.DEVICE_REMOVED, dev, {})
    }
    this.#changes = []
  }

  async #runUndo(): Promise<void> {
    const failures = await this.#undo.undoAll()
    for (const f of failures) {
      this.c.log.error(
        `Undo of ${f.what} failed: ${f.error instanceof Error ? f.error.message : String(f.error)}`,
        { path: this.path }
      )
    }
  }

  async #teardown(clearDns: boolean): Promise<void> {
    const dev = this.deviceName
    await this.#runUndo()
    this.#emitDown(dev)
    this.#linkIndex = undefined
    if (clearDns) {
      this.dns.servers = []
      this.dns.search = []
    }
  }

  /** Withdraws DNS and tears the TUN down; the object stays (spec §7.3 Disable). */
  disable(): Promise<void> {
    return this.#serial(async () => {
      this.#live()
      await this.#teardown(true)
      this.state = 'disabled'
      this.deviceName = this.requestedName
    })
  }

  /** Undoes everything; the caller unexports the object (spec §7.3 Destroy). Idempotent. */
  destroy(reason: string): Promise<void> {
    return this.#serial(async () => {
      if (this.state === 'destroyed') return
      const name = this.deviceName
      await this.#teardown(true)
      this.state = 'destroyed'
      this.c.log.info(`Device '${name}' was removed ${reason}`, { path: this.path })
    })
  }
}
