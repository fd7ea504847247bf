/**
 * The engine's `Tun` port implemented through netcfg (spec §7.4, trace-cold-session.txt):
 * `CreateVirtualInterface(<token>)`, `dns_scope`, `layer`, `mtu`, `SetRemoteAddress`,
 * `AddIPAddress`, reroute flags, `AddDNSSearch`/`AddDNS`, `AddNetworks`, then `Establish`,
 * whose reply carries the TUN fd outside the body (spec §1.6). Packets move between that fd and
 * the engine with the netcfg addon's batched poller and `writePackets`. Teardown destroys the
 * device object (netcfg removes routes, addresses, DNS) and closes the fd.
 */
import {
  BusName,
  type DBusConnection,
  LogCategory,
  ObjectPath,
  closeQuietly,
  netcfgDeviceInterface,
  netcfgManagerInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import { TunDevice } from '@openvpn3-ts/netcfg/tun'
import type { NetworkConfig, Tun } from '@openvpn3-ts/protocol'
import type { BackendLog } from './backend-log.js'
import { TunSetupError } from './errors.js'

export interface NetcfgTunInit {
  /** session token: the device name given to CreateVirtualInterface (spec §1.2) */
  token: string
  /** `dns-setup-disabled` override */
  dnsDisabled?: boolean
  /** `dns-scope` override (initial scope) */
  dnsScope?: 'global' | 'tunnel'
  /** `--disable-protect-socket` */
  disableProtectSocket?: boolean
}

export interface NetcfgTunComponents {
  conn: DBusConnection
  log: BackendLog
}

/** netcfg network tuple (address, prefix, metric, ipv6, exclude). */
type Network = [string, number, number, boolean, boolean]

/**
 * The OS fd of a Link's socket (UDP or TCP), for ProtectSocket. The engine's links keep their
 * node socket in a private `socket` field; libuv exposes the descriptor as `_handle.fd`.
 * Undefined when either is missing (another Link implementation).
 */
export function linkSocketFd(link: object): number | undefined {
  const socket: unknown = Reflect.get(link, 'socket')
  if (typeof socket !== 'object' || socket === null) return undefined
  const handle: unknown = Reflect.get(socket, '_handle')
  if (typeof handle !== 'object' || handle === null) return undefined
  const fd: unknown = Reflect.get(handle, 'fd')
  return typeof fd === 'number' && fd >= 0 ? fd : undefined
}

/** Prefix length of a dotted IPv4 netmask (255.255.255.0 → 24). */
export function netmaskToPrefix(mask: string): number {
  const bits = mask
    .split('.')
    .map((o) => Number(o).toString(2).padStart(8, '0'))
    .join('')
  const ones = bits.indexOf('0')
  return ones === -1 ? 32 : ones
}

/** The netcfg calls for one pushed configuration (pure; tested on its own). */
export function tunPlan(config: NetworkConfig): {
  addresses: [string, number, string, boolean][]
  networks: Network[]
  reroute4: boolean
  reroute6: boolean
  dns: string[]
  search: string[]
} {
  const addresses: [string, number, string, boolean][] = []
  if (config.ifconfig) {
    const { local, remoteOrNetmask } = config.ifconfig
    if (config.topology === 'subnet') {
      addresses.push([local, netmaskToPrefix(remoteOrNetmask), config.routeGateway ?? '', false])
    } else {
      addresses.push([local, config.topology === 'net30' ? 30 : 32, remoteOrNetmask, false])
    }
  }
  if (config.ifconfigIpv6) {
    const v6 = config.ifconfigIpv6
    addresses.push([v6.local, v6.prefixLength, v6.remote ?? '', true])
  }
  const networks: Network[] = []
  for (const r of config.routes) {
    networks.push([
      r.network,
      netmaskToPrefix(r.netmask),
      r.metric ?? -1,
      false,
      r.gateway === 'net_gateway',
    ])
  }
  for (const r of config.routesIpv6) {
    const [net = '', bits = '128'] = r.network.split('/')
    networks.push([net, Number(bits), r.metric ?? -1, true, r.gateway === 'net_gateway'])
  }
  const redirect = config.redirectGateway
  const dns = [...new Set([...config.dns.flatMap((d) => d.addresses), ...config.dnsServers])]
    .map((a) => a.replace(/^\[|\](:53)?$/g, ''))
    .filter((a) => a !== '')
  const search = [
    ...new Set([
      ...config.searchDomains,
      ...(config.dnsDomain ? [config.dnsDomain] : []),
      ...config.dns.flatMap((d) => d.resolveDomains),
    ]),
  ]
  return {
    addresses,
    networks,
    reroute4: redirect?.ipv4 ?? false,
    reroute6: redirect?.ipv6 ?? false,
    dns,
    search,
  }
}

export class NetcfgTun implements Tun {
  #devicePath = '/'
  #deviceName = ''
  #tun: TunDevice | undefined
  #handler: (packet: Buffer) => void = () => undefined
  #outQueue: Buffer[] = []
  #flushScheduled = false
  #stats = { readPackets: 0, writePackets: 0 }

  constructor(
    private readonly init: NetcfgTunInit,
    private readonly c: NetcfgTunComponents
  ) {}

  get devicePath(): string {
    return this.#devicePath
  }

  get deviceName(): string {
    return this.#deviceName
  }

  #manager() {
    return proxy(this.c.conn, BusName.netcfg, ObjectPath.netcfg, netcfgManagerInterface)
  }

  /**
   * `ProtectSocket(remote, ipv6, device path)` with the transport socket's fd outside the body
   * (spec §1.6, §7.2, §7.4 step 6); without an fd when it cannot be had (`host-route` needs none,
   * and `--disable-protect-socket` sends none, as upstream sends −1).
   */
  async protectSocket(remote: string, ipv6: boolean, fd?: number): Promise<void> {
    const fds = fd !== undefined && !this.init.disableProtectSocket ? [fd] : []
    try {
      await this.#manager().$call('ProtectSocket', [remote, ipv6, this.#devicePath], {
        fds,
        closeFdsAfterSend: false,
      })
    } catch (err) {
      this.c.log.client(
        LogCategory.WARN,
        `Socket protection failed: ${err instanceof Error ? err.message : String(err)}`
      )
    }
  }

  /** `Cleanup()`: drop anything netcfg still holds for this PID (before a fresh connect). */
  async cleanup(): Promise<void> {
    try {
      await this.#manager().Cleanup()
    } catch {
      // netcfg not running yet: nothing to clean
    }
  }

  /**
   * netcfg calls started without waiting for their replies (Cleanup, an early ProtectSocket).
   * `#pending` settles once the last of them may be followed by the next call: after Cleanup's
   * reply (netcfg removes this PID's host routes then, so ProtectSocket must come after it), and
   * as soon as ProtectSocket is sent (netcfg's Establish waits for the caller's ProtectSocket
   * calls, and upstream's netcfg handles calls one at a time). So netcfg still sees Cleanup →
   * ProtectSocket → CreateVirtualInterface in that order (trace-cold-session.txt).
   */
  #pending: Promise<void> = Promise.resolve()

  /** Starts `Cleanup()` without waiting; later netcfg calls of this object queue behind it. */
  startCleanup(): void {
    this.#pending = this.cleanup()
  }

  /**
   * ProtectSocket for a freshly opened transport socket. While no tunnel is established, the
   * socket's packets take the pre-VPN path anyway, so the handshake does not wait for netcfg's
   * route look-ups. With a tunnel up (a reconnect) the reply is awaited as before.
   */
  async protectLink(remote: string, ipv6: boolean, fd?: number): Promise<void> {
    let markSent: () => void = () => undefined
    const sent = new Promise<void>((r) => (markSent = r))
    const reply = this.#pending.then(() => {
      // the call goes out synchronously, before protectSocket() first waits
      const r = this.protectSocket(remote, ipv6, fd)
      markSent()
      return r
    })
    this.#pending = sent
    if (this.#tun !== undefined) await reply
  }

  async configure(config: NetworkConfig): Promise<void> {
    await this.#pending
    if (this.#devicePath !== '/') await this.#destroyDevice()
    const plan = tunPlan(config)
    const mgr = this.#manager()
    let path: string
    try {
      path = await mgr.CreateVirtualInterface(this.init.token)
    } catch (cause) {
      throw new TunSetupError('CreateVirtualInterface failed', { cause })
    }
    this.#devicePath = path
    const dev = proxy(this.c.conn, BusName.netcfg, path, netcfgDeviceInterface)
    try {
      // Pipelined: every call is sent at once, in the upstream order, and the replies are
      // awaited together. One connection keeps the order, and netcfg applies each call before
      // it looks at the next one (the owner's calls need no caller look-up), so Establish sees
      // the whole configuration. Any failure fails the setup and destroys the device.
      const calls: Promise<unknown>[] = [
        dev.$set('dns_scope', this.init.dnsScope ?? 'global').catch(() => undefined),
      ]
      for (const a of plan.addresses) calls.push(dev.AddIPAddress(...a))
      if (this.#remoteAddress !== undefined) {
        calls.push(dev.SetRemoteAddress(this.#remoteAddress, this.#remoteAddress.includes(':')))
      }
      calls.push(dev.$set('layer', 3))
      calls.push(dev.$set('mtu', Math.min(config.tunMtu, 65535)))
      if (plan.reroute4) calls.push(dev.$set('reroute_ipv4', true))
      if (plan.reroute6) calls.push(dev.$set('reroute_ipv6', true))
      if (!this.init.dnsDisabled) {
        if (plan.search.length > 0) calls.push(dev.AddDNSSearch(plan.search))
        if (plan.dns.length > 0) calls.push(dev.AddDNS(plan.dns))
      }
      calls.push(dev.AddNetworks(plan.networks))
      const established = dev.Establish()
      const settled = await Promise.allSettled([...calls, established])
      const failed = settled.find((x): x is PromiseRejectedResult => x.status === 'rejected')
      if (failed) {
        // an fd that came with a reply whose predecessors failed is not used
        if (settled.at(-1)?.status === 'fulfilled') closeQuietly((await established).fds)
        throw failed.reason
      }
      const r = await established
      const fd = r.fds[0]
      closeQuietly(r.fds.slice(1))
      if (fd === undefined) throw new TunSetupError('netcfg Establish returned no TUN fd')
      const tun = TunDevice.fromFd(fd)
      this.#tun = tun
      this.#deviceName = tun.name
      tun.startReading({
        onPackets: (packets) => {
          this.#stats.readPackets += packets.length
          for (const p of packets) this.#handler(p)
        },
        onError: (err) => this.c.log.client(LogCategory.ERROR, `TUN read failed: ${err.message}`),
      })
    } catch (err) {
      await this.#destroyDevice()
      if (err instanceof TunSetupError) throw err
      throw new TunSetupError(
        `TUN setup failed: ${err instanceof Error ? err.message : String(err)}`,
        { cause: err }
      )
    }
  }

  #remoteAddress: string | undefined

  get remoteAddress(): string | undefined {
    return this.#remoteAddress
  }

  /** The VPN server address, for SetRemoteAddress (routing-loop avoidance). */
  setRemoteAddress(address: string): void {
    this.#remoteAddress = address
  }

  write(packet: Buffer): void {
    if (!this.#tun) return
    this.#outQueue.push(packet)
    if (!this.#flushScheduled) {
      this.#flushScheduled = true
      setImmediate(() => this.#flush())
    }
  }

  #flush(): void {
    this.#flushScheduled = false
    const tun = this.#tun
    const batch = this.#outQueue
    this.#outQueue = []
    if (!tun || tun.closed || batch.length === 0) return
    try {
      this.#stats.writePackets += tun.write(batch)
    } catch (err) {
      this.c.log.client(
        LogCategory.WARN,
        `TUN write failed: ${err instanceof Error ? err.message : String(err)}`
      )
    }
  }

  onPacket(handler: (packet: Buffer) => void): void {
    this.#handler = handler
  }

  async teardown(final: boolean): Promise<void> {
    void final
    await this.#destroyDevice()
  }

  async #destroyDevice(): Promise<void> {
    this.#tun?.close()
    this.#tun = undefined
    this.#outQueue = []
    const path = this.#devicePath
    this.#devicePath = '/'
    this.#deviceName = ''
    if (path === '/') return
    try {
      await proxy(this.c.conn, BusName.netcfg, path, netcfgDeviceInterface).Destroy()
    } catch {
      // already gone (netcfg restarted or cleaned up after us)
    }
  }
}
