/**
 * DNS settings of one device and the back-end port both DNS back-ends implement (spec §7.7):
 * resolv.conf (applied before the TUN exists, global scope only) and systemd-resolved (per
 * link, after the TUN exists).
 */

export type DnsScope = 'global' | 'tunnel'
export type DnssecMode = 'yes' | 'no' | 'optional' | 'unset'
export type DnsTransport = 'plain' | 'dot' | 'doh' | 'unset'

export interface DnsSettings {
  servers: string[]
  search: string[]
  scope: DnsScope
  dnssec: DnssecMode
  transport: DnsTransport
}

export function emptyDnsSettings(): DnsSettings {
  return { servers: [], search: [], scope: 'global', dnssec: 'unset', transport: 'unset' }
}

/** The device a set of settings belongs to. */
export interface DnsLink {
  /** stable id (the device object path) */
  id: string
  /** kernel interface name, once the TUN exists */
  name?: string
  /** kernel interface index, once the TUN exists */
  index?: number
}

export interface DnsBackend {
  readonly kind: 'resolv-conf' | 'systemd-resolved'
  /** True when settings are applied before the TUN exists (resolv.conf). */
  readonly beforeTun: boolean
  /** Applies (or replaces) the settings of one link. */
  apply(link: DnsLink, settings: DnsSettings): Promise<void>
  /** Withdraws the settings of one link; no-op when none were applied. */
  revert(link: DnsLink): Promise<void>
  /** Withdraws everything (service exit). */
  close(): Promise<void>
}
