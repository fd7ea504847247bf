/**
 * @module session/network-config
 * The typed network configuration a client applies after PUSH_REPLY (spec §16.3). Plain data:
 * the backend hands it to netcfg.
 */

export type Topology = 'net30' | 'p2p' | 'subnet'

export interface Route4 {
  network: string
  netmask: string
  /** Undefined = the VPN gateway (route-gateway or the ifconfig peer). */
  gateway?: string
  metric?: number
}

export interface Route6 {
  /** `addr/bits` */
  network: string
  gateway?: string
  metric?: number
}

export interface RedirectGateway {
  flags: string[]
  /** Redirect IPv4 (false with `!ipv4`). */
  ipv4: boolean
  /** Redirect IPv6 (flag `ipv6`). */
  ipv6: boolean
  def1: boolean
  local: boolean
}

export interface DnsServer {
  priority: number
  addresses: string[]
  resolveDomains: string[]
  dnssec?: string
  transport?: string
  sni?: string
}

export interface NetworkConfig {
  topology: Topology
  ifconfig?: { local: string; remoteOrNetmask: string }
  ifconfigIpv6?: { local: string; prefixLength: number; remote?: string }
  routeGateway?: string
  routeMetric?: number
  routes: Route4[]
  routesIpv6: Route6[]
  redirectGateway?: RedirectGateway
  redirectPrivate?: RedirectGateway
  blockIpv6: boolean
  /** dhcp-option DNS / DNS6 */
  dnsServers: string[]
  /** dhcp-option DOMAIN / ADAPTER_DOMAIN_SUFFIX */
  dnsDomain?: string
  /** dhcp-option DOMAIN-SEARCH and `dns search-domains` */
  searchDomains: string[]
  /** 2.6 `dns server N …` */
  dns: DnsServer[]
  tunMtu: number
  /**
   * The VPN server this configuration came from (resolved address): the backend needs it for
   * the host route that keeps the tunnel's own traffic off the tunnel with redirect-gateway.
   */
  remote?: { address: string; port: number; proto: 'udp' | 'tcp' }
  /** Other options the client did not act on (for logs). */
  ignored: string[]
}

/** What the session itself uses from the push (not part of the network configuration). */
export interface SessionPushOptions {
  peerId?: number
  cipher?: string
  keyDerivation: 'tls-ekm' | 'prf'
  protocolFlags: string[]
  ping?: number
  pingRestart?: number
  pingExit?: number
  authToken?: string
  authTokenUser?: string
  explicitExitNotify?: number
  compression?: 'none' | 'stub' | 'stub-v2' | 'lzo-no'
  /** Options that demand real compression (unsupported). */
  compressionUnsupported?: string
}

export function emptyNetworkConfig(tunMtu: number): NetworkConfig {
  return {
    topology: 'net30',
    routes: [],
    routesIpv6: [],
    blockIpv6: false,
    dnsServers: [],
    searchDomains: [],
    dns: [],
    tunMtu,
    ignored: [],
  }
}
