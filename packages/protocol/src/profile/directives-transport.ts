/**
 * Directive handlers for the client mode, the device and the transport: `client`, `pull`,
 * `tls-client`, `dev`, `proto`, `remote`, `port`, `rport`, `remote-random*`, `nobind`, `float`,
 * `connect-retry*`, `resolv-retry`, `server-poll-timeout`/`connect-timeout`,
 * `explicit-exit-notify` (spec openvpn-protocol.md §19.3, §15.3). `<connection>` blocks are
 * handled in directives.ts because they recurse into the table.
 */
import { DEFAULT_EXPLICIT_EXIT_NOTIFY } from './constants.js'
import { quote } from './issues.js'
import type { DirectiveTable } from './directive-spec.js'
import { arity, err, intArg, type Ctx, type Opt, type ProtoChoice } from './draft.js'
import { isHost, parsePort } from './values.js'

const PROTOS: Readonly<Record<string, ProtoChoice>> = {
  udp: { transport: 'udp', family: 'any' },
  udp4: { transport: 'udp', family: 'ipv4' },
  udp6: { transport: 'udp', family: 'ipv6' },
  tcp: { transport: 'tcp', family: 'any' },
  tcp4: { transport: 'tcp', family: 'ipv4' },
  tcp6: { transport: 'tcp', family: 'ipv6' },
  'tcp-client': { transport: 'tcp', family: 'any' },
  'tcp4-client': { transport: 'tcp', family: 'ipv4' },
  'tcp6-client': { transport: 'tcp', family: 'ipv6' },
}

/** Parse a `proto` value; reports and returns null when it is not a client protocol. */
export function parseProto(ctx: Ctx, o: Opt, text: string): ProtoChoice | null {
  const p = PROTOS[text.toLowerCase()]
  if (p !== undefined) return p
  if (/^tcp[46]?-server$/i.test(text)) {
    err(ctx, o, `${quote(text)} is a server protocol; a client uses tcp or tcp-client`)
  } else {
    err(ctx, o, `unknown protocol ${quote(text)} (udp, udp4, udp6, tcp, tcp4, tcp6, tcp-client)`)
  }
  return null
}

function port(ctx: Ctx, o: Opt, text: string): number | null {
  const p = parsePort(text)
  if (p === null) err(ctx, o, `${quote(text)} is not a port number (1–65535)`)
  return p
}

function seconds(ctx: Ctx, o: Opt, index: number, max = 86_400 * 365): number | null {
  return intArg(ctx, o, index, 0, max, 'a number of seconds')
}

export const transportDirectives: DirectiveTable = {
  client: {
    handle(ctx, o) {
      if (!arity(ctx, o, 0, 0)) return
      ctx.d.client = true
      ctx.d.pull = true
      ctx.d.tlsClient = true
    },
  },
  pull: {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.pull = true
    },
  },
  'tls-client': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.tlsClient = true
    },
  },
  dev: {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const name = o.args[0] as string
      if (/^tap/i.test(name)) {
        err(
          ctx,
          o,
          `${quote(name)}: tap (layer 2) devices are not supported; use 'dev tun'`,
          'unsupported'
        )
      } else if (name === 'null') {
        err(ctx, o, "'dev null' (no device) is not supported; use 'dev tun'", 'unsupported')
      } else if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) {
        err(ctx, o, `${quote(name)} is not a valid interface name (1–15 of A-Z a-z 0-9 _ . -)`)
      } else {
        ctx.d.dev = name
      }
    },
  },
  'dev-type': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      if (o.args[0] !== 'tun') {
        err(ctx, o, `${quote(o.args[0] ?? '')}: only 'dev-type tun' is supported`, 'unsupported')
      }
    },
  },
  proto: {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const p = parseProto(ctx, o, o.args[0] as string)
      if (p !== null) ctx.conn.proto = p
    },
  },
  remote: {
    repeatable: true,
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 3)) return
      const [host, portText, protoText] = o.args as [string, string | undefined, string | undefined]
      if (!isHost(host)) {
        err(ctx, o, `${quote(host)} is not a host name or IP address`)
        return
      }
      const p = portText === undefined ? null : port(ctx, o, portText)
      const proto = protoText === undefined ? null : parseProto(ctx, o, protoText)
      if ((portText !== undefined && p === null) || (protoText !== undefined && proto === null))
        return
      ctx.conn.remotes.push({ host, port: p, proto, line: o.line })
    },
  },
  port: {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const p = port(ctx, o, o.args[0] as string)
      if (p !== null) ctx.conn.port = p
    },
  },
  rport: {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const p = port(ctx, o, o.args[0] as string)
      if (p !== null) ctx.conn.port = p
    },
  },
  'remote-random': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.remoteRandom = true
    },
  },
  'remote-random-hostname': {
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.remoteRandomHostname = true
    },
  },
  nobind: {
    connection: true,
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.nobind = true
    },
  },
  float: {
    connection: true,
    handle(ctx, o) {
      if (arity(ctx, o, 0, 0)) ctx.d.float = true
    },
  },
  'connect-retry': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 2)) return
      const first = seconds(ctx, o, 0)
      const max = o.args.length > 1 ? seconds(ctx, o, 1) : null
      if (first === null || (o.args.length > 1 && max === null)) return
      ctx.d.connectRetry = first
      if (max !== null) ctx.d.connectRetryMaxWait = max
    },
  },
  'connect-retry-max': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, 1_000_000, 'a number of attempts')
      if (n !== null) ctx.d.connectRetryMax = n === 0 ? null : n
    },
  },
  'resolv-retry': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      if (o.args[0] === 'infinite') ctx.d.resolvRetry = 'infinite'
      else {
        const n = intArg(ctx, o, 0, 0, 86_400 * 365, "a number of seconds or 'infinite'")
        if (n !== null) ctx.d.resolvRetry = n
      }
    },
  },
  'server-poll-timeout': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = seconds(ctx, o, 0)
      if (n !== null) ctx.conn.connectTimeout = n
    },
  },
  'connect-timeout': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = seconds(ctx, o, 0)
      if (n !== null) ctx.conn.connectTimeout = n
    },
  },
  'explicit-exit-notify': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 0, 1)) return
      if (o.args.length === 0) ctx.conn.explicitExitNotify = DEFAULT_EXPLICIT_EXIT_NOTIFY
      else {
        const n = intArg(ctx, o, 0, 0, 3600, 'a number of seconds')
        if (n !== null) ctx.conn.explicitExitNotify = n
      }
    },
  },
}
