/**
 * Directive handlers for routes and DNS given in the profile (they may also be pushed):
 * `route-nopull`, `route`, `route-ipv6`, `redirect-gateway`, `redirect-private`, `route-metric`,
 * `route-gateway`, `dhcp-option`, `dns`, `block-ipv6`, `block-outside-dns`, `pull-filter`,
 * `allow-pull-fqdn` (spec openvpn-protocol.md §16.2–16.3, §19.3).
 */
import type { DirectiveTable } from './directive-spec.js'
import { arity, err, intArg, warn, type Ctx, type Opt } from './draft.js'
import { quote } from './issues.js'
import type { RedirectGatewayFlag } from './profile.js'
import { isHost, isIPv4, isIPv6, netmaskPrefix, parseIPv6Prefix } from './values.js'

const ROUTE_KEYWORDS = new Set(['vpn_gateway', 'net_gateway', 'remote_host'])
const REDIRECT_FLAGS: readonly RedirectGatewayFlag[] = [
  'def1',
  'local',
  'autolocal',
  'bypass-dhcp',
  'bypass-dns',
  'block-local',
  'ipv6',
  '!ipv4',
]

function metric(ctx: Ctx, o: Opt, index: number): number | null | undefined {
  const v = o.args[index]
  if (v === undefined || v === 'default') return null
  const n = intArg(ctx, o, index, 0, 2_147_483_647, 'a route metric')
  return n === null ? undefined : n
}

function route(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 1, 4)) return
  const [network, maskArg, gwArg] = o.args as [string, string | undefined, string | undefined]
  if (!isIPv4(network) && !ROUTE_KEYWORDS.has(network) && !isHost(network)) {
    err(
      ctx,
      o,
      `${quote(network)} is not an IPv4 network, host name or vpn_gateway/net_gateway/remote_host`
    )
    return
  }
  const netmask = maskArg === undefined || maskArg === 'default' ? '255.255.255.255' : maskArg
  const prefix = netmaskPrefix(netmask)
  if (prefix === null) {
    err(ctx, o, `${quote(netmask)} is not a netmask (e.g. 255.255.255.0)`)
    return
  }
  if (isIPv4(network)) {
    const toInt = (a: string) => a.split('.').reduce((acc, p) => acc * 256 + Number(p), 0)
    const host = toInt(network) % 2 ** (32 - prefix)
    if (host !== 0)
      warn(
        ctx,
        o,
        `network ${network} has host bits set for netmask ${netmask}`,
        'invalid_argument'
      )
  }
  const gateway = gwArg === undefined || gwArg === 'default' ? null : gwArg
  if (gateway !== null && !isIPv4(gateway) && !ROUTE_KEYWORDS.has(gateway)) {
    err(ctx, o, `${quote(gateway)} is not an IPv4 gateway or vpn_gateway/net_gateway/remote_host`)
    return
  }
  const m = metric(ctx, o, 3)
  if (m === undefined) return
  ctx.d.routes.push({ network, netmask, gateway, metric: m, line: o.line })
}

function routeIPv6(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 1, 3)) return
  const [networkArg, gwArg] = o.args as [string, string | undefined]
  const net = parseIPv6Prefix(networkArg)
  if (net === null) {
    err(ctx, o, `${quote(networkArg)} is not an IPv6 network (ADDR/BITS)`)
    return
  }
  const gateway = gwArg === undefined || gwArg === 'default' ? null : gwArg
  if (gateway !== null && !isIPv6(gateway)) {
    err(ctx, o, `${quote(gateway)} is not an IPv6 gateway address`)
    return
  }
  const m = metric(ctx, o, 2)
  if (m === undefined) return
  ctx.d.routesIPv6.push({ network: net.address, bits: net.bits, gateway, metric: m, line: o.line })
}

function redirect(kind: 'redirect-gateway' | 'redirect-private') {
  return (ctx: Ctx, o: Opt): void => {
    const flags: RedirectGatewayFlag[] = []
    for (const f of o.args) {
      const flag = REDIRECT_FLAGS.find((x) => x === f)
      if (flag === undefined) {
        err(ctx, o, `unknown flag ${quote(f)} (${REDIRECT_FLAGS.join(', ')})`)
        return
      }
      if (!flags.includes(flag)) flags.push(flag)
    }
    ctx.d.redirectGateway = { kind, flags }
  }
}

function dhcpOption(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 1, 3)) return
  const type = o.args[0] as string
  const value = o.args[1] ?? null
  const need = (check: (v: string) => boolean, what: string): boolean => {
    if (value === null) {
      err(ctx, o, `${type} needs ${what}`, 'missing_argument')
      return false
    }
    if (!check(value)) {
      err(ctx, o, `${quote(value)} is not ${what}`)
      return false
    }
    return true
  }
  const ip = (v: string) => isIPv4(v) || isIPv6(v)
  let ok: boolean
  switch (type.toUpperCase()) {
    case 'DNS':
    case 'DNS6':
      ok = need(ip, 'an IP address')
      break
    case 'WINS':
    case 'NTP':
    case 'NBDD':
      ok = need(isIPv4, 'an IPv4 address')
      break
    case 'DOMAIN':
    case 'DOMAIN-SEARCH':
    case 'ADAPTER_DOMAIN_SUFFIX':
      ok = need((v) => isHost(v) && !isIPv4(v), 'a domain name')
      break
    case 'NBT':
      ok = need((v) => ['1', '2', '4', '8'].includes(v), 'a NetBIOS node type (1, 2, 4 or 8)')
      break
    case 'NBS':
      ok = need((v) => v !== '', 'a NetBIOS scope')
      break
    case 'DISABLE-NBT':
      ok =
        value === null || (err(ctx, o, 'DISABLE-NBT takes no value', 'too_many_arguments'), false)
      break
    case 'PROXY_HTTP':
      ok = need(isHost, 'a proxy host')
      break
    default:
      warn(ctx, o, `unknown dhcp-option type ${quote(type)}; kept but not used`)
      ok = true
  }
  if (ok) ctx.d.dhcpOptions.push({ type: type.toUpperCase(), value, line: o.line })
}

export const routingDirectives: DirectiveTable = {
  'route-nopull': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.routeNoPull = true
    },
  },
  route: { repeatable: true, handle: route },
  'route-ipv6': { repeatable: true, handle: routeIPv6 },
  'redirect-gateway': { handle: redirect('redirect-gateway') },
  'redirect-private': { handle: redirect('redirect-private') },
  'route-metric': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, 2_147_483_647, 'a route metric')
      if (n !== null) ctx.d.routeMetric = n
    },
  },
  'route-gateway': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = o.args[0] as string
      if (v === 'dhcp' || isIPv4(v)) ctx.d.routeGateway = v
      else err(ctx, o, `${quote(v)} is not an IPv4 address or 'dhcp'`)
    },
  },
  'dhcp-option': { repeatable: true, handle: dhcpOption },
  dns: {
    repeatable: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 2, 16)) return
      const kind = o.args[0]
      if (kind !== 'search-domains' && kind !== 'server') {
        err(ctx, o, `${quote(kind ?? '')}: expected 'search-domains' or 'server'`)
        return
      }
      if (kind === 'server') {
        const prio = intArg(ctx, o, 1, 0, 255, 'a priority')
        if (prio === null) return
        if (o.args.length < 4) {
          err(
            ctx,
            o,
            "'dns server N' needs a setting (address, resolve-domains, dnssec, transport, sni)",
            'missing_argument'
          )
          return
        }
      }
      ctx.d.dns.push([...o.args])
    },
  },
  'block-ipv6': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.blockIPv6 = true
    },
  },
  'block-outside-dns': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.blockOutsideDns = true
    },
  },
  'pull-filter': {
    repeatable: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 2, 2)) return
      const action = o.args[0]
      if (action !== 'accept' && action !== 'ignore' && action !== 'reject') {
        err(ctx, o, `${quote(action ?? '')} is not accept, ignore or reject`)
        return
      }
      ctx.d.pullFilters.push({ action, text: o.args[1] as string })
    },
  },
  'allow-pull-fqdn': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.allowPullFqdn = true
    },
  },
}
