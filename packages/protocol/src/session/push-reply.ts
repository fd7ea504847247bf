/**
 * @module session/push-reply
 * PUSH_REPLY parsing (spec §16.2, §16.3): option splitting and tokenising, push-continuation,
 * and mapping of the options a client acts on into NetworkConfig + SessionPushOptions.
 */
import {
  type NetworkConfig,
  type RedirectGateway,
  type SessionPushOptions,
  emptyNetworkConfig,
} from './network-config.js'

export const PUSH_REPLY_PREFIX = 'PUSH_REPLY'

/** Splits a config-style line into words (whitespace, "…" with escapes, '…' literal). */
export function tokenize(line: string): string[] {
  const out: string[] = []
  let cur = ''
  let inTok = false
  let q: '"' | "'" | undefined
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i)
    if (q === "'") {
      if (c === "'") q = undefined
      else cur += c
      continue
    }
    if (q === '"') {
      if (c === '\\' && i + 1 < line.length) cur += line.charAt(++i)
      else if (c === '"') q = undefined
      else cur += c
      continue
    }
    if (c === '"' || c === "'") {
      q = c
      inTok = true
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line.charAt(++i)
      inTok = true
    } else if (/\s/.test(c)) {
      if (inTok) out.push(cur)
      cur = ''
      inTok = false
    } else {
      cur += c
      inTok = true
    }
  }
  if (inTok) out.push(cur)
  return out
}

/** Options of one PUSH_REPLY message and whether more parts follow. */
export function splitPushReply(message: string): { options: string[]; more: boolean } {
  const body = message.startsWith(PUSH_REPLY_PREFIX)
    ? message.slice(PUSH_REPLY_PREFIX.length)
    : message
  const options = body
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  let more = false
  const kept: string[] = []
  for (const o of options) {
    const w = tokenize(o)
    if (w[0] === 'push-continuation') more = w[1] === '2'
    else kept.push(o)
  }
  return { options: kept, more }
}

export interface PullFilter {
  action: 'accept' | 'ignore' | 'reject'
  text: string
}

export interface ApplyPushOptions {
  tunMtu: number
  routeNopull?: boolean
  pullFilters?: readonly PullFilter[]
}

export interface ParsedPush {
  network: NetworkConfig
  session: SessionPushOptions
  /** An option hit a `pull-filter reject`: the connection must restart. */
  rejected?: string
}

const ROUTE_CLASS = new Set([
  'route',
  'route-ipv6',
  'redirect-gateway',
  'redirect-private',
  'block-ipv6',
  'route-metric',
])
const DNS_CLASS = new Set(['dhcp-option', 'dns', 'block-outside-dns'])

function redirect(words: string[]): RedirectGateway {
  const flags = words.slice(1)
  return {
    flags,
    ipv4: !flags.includes('!ipv4'),
    ipv6: flags.includes('ipv6'),
    def1: flags.includes('def1'),
    local: flags.includes('local'),
  }
}

function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^-?\d+$/.test(v)) return undefined
  return Number.parseInt(v, 10)
}

export function parsePushOptions(options: readonly string[], o: ApplyPushOptions): ParsedPush {
  const net = emptyNetworkConfig(o.tunMtu)
  const ses: SessionPushOptions = { keyDerivation: 'prf', protocolFlags: [] }
  const result: ParsedPush = { network: net, session: ses }
  for (const raw of options) {
    const filter = o.pullFilters?.find((f) => raw.trimStart().startsWith(f.text))
    if (filter?.action === 'ignore') continue
    if (filter?.action === 'reject') {
      result.rejected = raw
      continue
    }
    const w = tokenize(raw)
    const name = w[0]
    if (name === undefined) continue
    if (o.routeNopull && (ROUTE_CLASS.has(name) || DNS_CLASS.has(name))) continue
    switch (name) {
      case 'ifconfig':
        if (w[1] && w[2]) net.ifconfig = { local: w[1], remoteOrNetmask: w[2] }
        break
      case 'ifconfig-ipv6': {
        const [addr, bits] = (w[1] ?? '').split('/')
        const len = int(bits)
        if (addr && len !== undefined) {
          net.ifconfigIpv6 = { local: addr, prefixLength: len, ...(w[2] ? { remote: w[2] } : {}) }
        }
        break
      }
      case 'topology':
        if (w[1] === 'net30' || w[1] === 'p2p' || w[1] === 'subnet') net.topology = w[1]
        break
      case 'route':
        if (w[1]) {
          const metric = int(w[4])
          net.routes.push({
            network: w[1],
            netmask: w[2] ?? '255.255.255.255',
            ...(w[3] && w[3] !== 'vpn_gateway' ? { gateway: w[3] } : {}),
            ...(metric !== undefined ? { metric } : {}),
          })
        }
        break
      case 'route-ipv6':
        if (w[1]) {
          const metric = int(w[3])
          net.routesIpv6.push({
            network: w[1],
            ...(w[2] ? { gateway: w[2] } : {}),
            ...(metric !== undefined ? { metric } : {}),
          })
        }
        break
      case 'route-gateway':
        if (w[1]) net.routeGateway = w[1]
        break
      case 'route-metric': {
        const m = int(w[1])
        if (m !== undefined) net.routeMetric = m
        break
      }
      case 'redirect-gateway':
        net.redirectGateway = redirect(w)
        break
      case 'redirect-private':
        net.redirectPrivate = redirect(w)
        break
      case 'block-ipv6':
        net.blockIpv6 = true
        break
      case 'dhcp-option': {
        const kind = (w[1] ?? '').toUpperCase()
        const val = w[2]
        if (!val) break
        if (kind === 'DNS' || kind === 'DNS6') net.dnsServers.push(val)
        else if (kind === 'DOMAIN' || kind === 'ADAPTER_DOMAIN_SUFFIX') net.dnsDomain = val
        else if (kind === 'DOMAIN-SEARCH') net.searchDomains.push(val)
        else net.ignored.push(raw)
        break
      }
      case 'dns':
        if (w[1] === 'search-domains') net.searchDomains.push(...w.slice(2))
        else if (w[1] === 'server') {
          const prio = int(w[2])
          if (prio === undefined) break
          let s = net.dns.find((d) => d.priority === prio)
          if (!s) {
            s = { priority: prio, addresses: [], resolveDomains: [] }
            net.dns.push(s)
          }
          const key = w[3]
          const vals = w.slice(4)
          if (key === 'address') s.addresses.push(...vals)
          else if (key === 'resolve-domains') s.resolveDomains.push(...vals)
          else if (key === 'dnssec' && vals[0]) s.dnssec = vals[0]
          else if (key === 'transport' && vals[0]) s.transport = vals[0]
          else if (key === 'sni' && vals[0]) s.sni = vals[0]
        }
        break
      case 'tun-mtu': {
        const m = int(w[1])
        if (m !== undefined) net.tunMtu = m
        break
      }
      case 'peer-id': {
        const p = int(w[1])
        if (p !== undefined) ses.peerId = p
        break
      }
      case 'cipher':
        if (w[1]) ses.cipher = w[1]
        break
      case 'key-derivation':
        if (w[1] === 'tls-ekm') ses.keyDerivation = 'tls-ekm'
        break
      case 'protocol-flags':
        ses.protocolFlags.push(...w.slice(1))
        if (w.includes('tls-ekm')) ses.keyDerivation = 'tls-ekm'
        break
      case 'ping': {
        const v = int(w[1])
        if (v !== undefined) ses.ping = v
        break
      }
      case 'ping-restart': {
        const v = int(w[1])
        if (v !== undefined) ses.pingRestart = v
        break
      }
      case 'ping-exit': {
        const v = int(w[1])
        if (v !== undefined) ses.pingExit = v
        break
      }
      case 'auth-token':
        if (w[1]) ses.authToken = w[1]
        break
      case 'auth-token-user':
        if (w[1]) ses.authTokenUser = Buffer.from(w[1], 'base64').toString('utf8')
        break
      case 'explicit-exit-notify':
        ses.explicitExitNotify = int(w[1]) ?? 1
        break
      case 'comp-lzo':
        if (w[1] === 'no') ses.compression = 'lzo-no'
        else ses.compressionUnsupported = raw
        break
      case 'compress':
        if (w[1] === undefined || w[1] === 'stub') ses.compression = 'stub'
        else if (w[1] === 'stub-v2') ses.compression = 'stub-v2'
        else ses.compressionUnsupported = raw
        break
      default:
        net.ignored.push(raw)
    }
  }
  return result
}
