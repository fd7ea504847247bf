/**
 * The systemd-resolved DNS back-end (spec §7.7, `--systemd-resolved`): per-link name servers,
 * search and routing domains, default route, DNSSEC and DNS-over-TLS through
 * `org.freedesktop.resolve1.Manager` on `/org/freedesktop/resolve1`; `RevertLink` withdraws.
 * The D-Bus transport is a port (`Resolve1Caller`) so this file does not depend on a bus
 * library.
 */
import { isIPv4, isIPv6 } from 'node:net'
import { ResolvedError } from '../errors.js'
import { addressBytes } from './addr.js'
import type { DnsBackend, DnsLink, DnsSettings } from './dns.js'

export const RESOLVE1_NAME = 'org.freedesktop.resolve1'
export const RESOLVE1_PATH = '/org/freedesktop/resolve1'
export const RESOLVE1_MANAGER = 'org.freedesktop.resolve1.Manager'

/** AF_INET / AF_INET6 as resolve1 expects them (Linux values). */
const AF_INET = 2
const AF_INET6 = 10

/** Calls one method of org.freedesktop.resolve1.Manager; rejects with the D-Bus error. */
export interface Resolve1Caller {
  call(method: string, signature: string, body: unknown[]): Promise<void>
}

export interface ResolvedInit {
  caller: Resolve1Caller
  log?: (msg: string) => void
}

export function linkDnsBody(servers: readonly string[]): [number, Buffer][] {
  const out: [number, Buffer][] = []
  for (const s of servers) {
    if (isIPv4(s)) out.push([AF_INET, Buffer.from(addressBytes(4, s))])
    else if (isIPv6(s)) out.push([AF_INET6, Buffer.from(addressBytes(6, s))])
  }
  return out
}

export function linkDomainsBody(settings: DnsSettings): [string, boolean][] {
  const d: [string, boolean][] = settings.search.map((s) => [s, false])
  if (settings.scope === 'global') d.push(['.', true])
  return d
}

export class ResolvedBackend implements DnsBackend {
  readonly kind = 'systemd-resolved'
  readonly beforeTun = false
  readonly #caller: Resolve1Caller
  readonly #log: (msg: string) => void
  readonly #applied = new Map<string, number>()
  #defaultRouteSupported = true

  constructor(init: ResolvedInit) {
    this.#caller = init.caller
    this.#log = init.log ?? (() => undefined)
  }

  async #call(method: string, signature: string, body: unknown[]): Promise<void> {
    try {
      await this.#caller.call(method, signature, body)
    } catch (cause) {
      throw new ResolvedError(`resolve1 ${method} failed`, { cause })
    }
  }

  async apply(link: DnsLink, s: DnsSettings): Promise<void> {
    const idx = link.index
    if (idx === undefined) throw new ResolvedError(`no interface index for ${link.id}`)
    this.#applied.set(link.id, idx)
    await this.#call('SetLinkDNS', 'ia(iay)', [idx, linkDnsBody(s.servers)])
    await this.#call('SetLinkDomains', 'ia(sb)', [idx, linkDomainsBody(s)])
    if (this.#defaultRouteSupported) {
      try {
        await this.#caller.call('SetLinkDefaultRoute', 'ib', [idx, s.scope === 'global'])
      } catch (err) {
        this.#defaultRouteSupported = false
        this.#log(`SetLinkDefaultRoute not supported, disabled: ${String(err)}`)
      }
    }
    if (s.dnssec !== 'unset') {
      const mode = s.dnssec === 'optional' ? 'allow-downgrade' : s.dnssec
      await this.#call('SetLinkDNSSEC', 'is', [idx, mode])
    }
    switch (s.transport) {
      case 'unset':
        break
      case 'plain':
        await this.#call('SetLinkDNSOverTLS', 'is', [idx, 'no'])
        break
      case 'dot':
        try {
          await this.#caller.call('SetLinkDNSOverTLS', 'is', [idx, 'yes'])
        } catch {
          await this.#call('SetLinkDNSOverTLS', 'is', [idx, 'opportunistic'])
        }
        break
      case 'doh':
        this.#log('DNS-over-HTTPS is not supported by systemd-resolved; ignored')
        break
    }
  }

  async revert(link: DnsLink): Promise<void> {
    const idx = this.#applied.get(link.id)
    if (idx === undefined) return
    this.#applied.delete(link.id)
    await this.#call('RevertLink', 'i', [idx])
  }

  async close(): Promise<void> {
    for (const id of [...this.#applied.keys()]) {
      try {
        await this.revert({ id })
      } catch (err) {
        this.#log(`RevertLink failed for ${id}: ${String(err)}`)
      }
    }
  }
}
