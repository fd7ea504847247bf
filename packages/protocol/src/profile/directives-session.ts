/**
 * Directive handlers for authentication, peer-info, compression, timers, MTU and local
 * behaviour: `auth-user-pass`, `static-challenge`, `auth-nocache`, `auth-retry`, `setenv`
 * (`UV_*`, `IV_GUI_VER`, `IV_SSO`, `PUSH_PEER_INFO`, `CLIENT_CERT`, `GENERIC_CONFIG`),
 * `push-peer-info`, `compress`, `comp-lzo`, `allow-compression`, `keepalive`, `ping*`, `reneg-*`,
 * `hand-window`, `tran-window`, `tls-timeout`, `replay-window`, `tun-mtu`, `mssfix`, `persist-*`,
 * `verb`, `mute` (spec openvpn-protocol.md §10.5, §14, §15, §17.1–17.2, §18, §19.3).
 * `setenv opt` is handled in directives.ts (it re-enters the table).
 */
import { DEFAULT_MSSFIX } from './constants.js'
import type { DirectiveTable } from './directive-spec.js'
import { arity, err, intArg, warn, type Ctx, type Opt } from './draft.js'
import { quote } from './issues.js'
import type { CompressionFraming } from './profile.js'

const SSO_METHODS = new Set(['webauth', 'openurl', 'crtext', 'proxy'])
const DAY = 86_400
const YEAR = 365 * DAY

function secondsDirective(set: (ctx: Ctx, n: number) => void, max = YEAR) {
  return {
    handle(ctx: Ctx, o: Opt) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, max, 'a number of seconds')
      if (n !== null) set(ctx, n)
    },
  }
}

function flagDirective(set: (ctx: Ctx) => void) {
  return {
    handle(ctx: Ctx, o: Opt) {
      if (arity(ctx, o, 0, 0)) set(ctx)
    },
  }
}

function userPass(ctx: Ctx, o: Opt): void {
  if (!o.inline) {
    if (o.args.length === 0) {
      ctx.d.userPass = { mode: 'prompt' }
      return
    }
    err(
      ctx,
      o,
      `${quote(o.args[0] as string)} refers to a file; give the credentials inline as <auth-user-pass> … </auth-user-pass>, or write 'auth-user-pass' alone to be asked`,
      'file_reference'
    )
    return
  }
  const lines = (o.args[0] ?? '').split('\n').map((l) => l.replace(/\r$/, ''))
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
  const [username, password, ...rest] = lines
  if (username === undefined || username.trim() === '') {
    err(ctx, o, 'the inline block needs the username on its first line', 'missing_argument')
    return
  }
  if (rest.length > 0) warn(ctx, o, `${rest.length} line(s) after the password are ignored`)
  ctx.d.userPass = { mode: 'inline', username, password: password ?? null }
}

function setenv(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 1, 2)) return
  const name = o.args[0] as string
  const value = o.args[1] ?? ''
  ctx.d.env[name] = value
  if (name.startsWith('UV_') || name === 'IV_GUI_VER' || name === 'IV_SSO') {
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      err(ctx, o, `${quote(name)}: peer-info names use only A-Z a-z 0-9 _`)
      return
    }
    if (name === 'IV_SSO') {
      const unknown = value.split(',').filter((m) => m !== '' && !SSO_METHODS.has(m))
      if (unknown.length > 0)
        warn(ctx, o, `unknown IV_SSO method(s) ${unknown.map((m) => quote(m)).join(', ')}`)
    }
    ctx.d.peerInfo[name] = value
    return
  }
  switch (name) {
    case 'PUSH_PEER_INFO':
      ctx.d.pushPeerInfo = true
      return
    case 'CLIENT_CERT':
      if (value === '0') ctx.d.clientCertRequired = false
      else if (value === '1') ctx.d.clientCertRequired = true
      else err(ctx, o, `CLIENT_CERT must be 0 or 1, got ${quote(value)}`)
      return
    case 'GENERIC_CONFIG':
      ctx.d.serverLocked = true
      err(ctx, o, 'server-locked (generic) profiles are unsupported', 'server_locked')
      return
    default:
      return
  }
}

function compress(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 0, 1)) return
  const alg = o.args[0]
  const map: Readonly<Record<string, CompressionFraming>> = {
    stub: 'stub',
    'stub-v2': 'stub-v2',
    lzo: 'lzo',
    lz4: 'lz4',
    'lz4-v2': 'lz4-v2',
  }
  if (alg === undefined) {
    ctx.d.compression.framing = 'stub'
    return
  }
  if (alg === 'migrate') {
    err(ctx, o, "'compress migrate' is a server option", 'server_only')
    return
  }
  const framing = map[alg]
  if (framing === undefined)
    err(ctx, o, `unknown compression ${quote(alg)} (stub, stub-v2, lzo, lz4, lz4-v2)`)
  else ctx.d.compression.framing = framing
}

function compLzo(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 0, 1)) return
  const v = o.args[0] ?? 'adaptive'
  if (v === 'no') ctx.d.compression.framing = 'lzo-stub'
  else if (v === 'yes' || v === 'adaptive') ctx.d.compression.framing = 'lzo'
  else {
    err(ctx, o, `${quote(v)} is not yes, no or adaptive`)
    return
  }
  warn(ctx, o, "comp-lzo is deprecated; prefer 'compress' or nothing", 'deprecated')
}

export const sessionDirectives: DirectiveTable = {
  'auth-user-pass': { inline: true, handle: userPass },
  'static-challenge': {
    handle(ctx, o) {
      if (!arity(ctx, o, 2, 3)) return
      const [text, echo, format] = o.args as [string, string, string | undefined]
      if (echo !== '0' && echo !== '1') {
        err(ctx, o, `the echo flag must be 0 or 1, got ${quote(echo)}`)
        return
      }
      if (format !== undefined && format !== 'scrv1' && format !== 'concat') {
        err(ctx, o, `${quote(format)} is not scrv1 or concat`)
        return
      }
      ctx.d.staticChallenge = { text, echo: echo === '1', format: format ?? 'scrv1' }
    },
  },
  'auth-nocache': flagDirective((ctx) => (ctx.d.authNoCache = true)),
  'auth-retry': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = o.args[0]
      if (v === 'none' || v === 'nointeract' || v === 'interact') ctx.d.authRetry = v
      else err(ctx, o, `${quote(v ?? '')} is not none, nointeract or interact`)
    },
  },
  setenv: { repeatable: true, handle: setenv },
  'push-peer-info': flagDirective((ctx) => (ctx.d.pushPeerInfo = true)),
  compress: { handle: compress },
  'comp-lzo': { handle: compLzo },
  'allow-compression': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = o.args[0]
      if (v === 'no' || v === 'asym' || v === 'yes') {
        ctx.d.compression.allow = v
        ctx.d.allowCompressionLine = o.line
      } else err(ctx, o, `${quote(v ?? '')} is not no, asym or yes`)
    },
  },
  keepalive: {
    handle(ctx, o) {
      if (!arity(ctx, o, 2, 2)) return
      const ping = intArg(ctx, o, 0, 1, DAY, 'a number of seconds')
      const restart = intArg(ctx, o, 1, 1, YEAR, 'a number of seconds')
      if (ping === null || restart === null) return
      if (restart < 2 * ping) {
        err(
          ctx,
          o,
          `the restart timeout (${restart}) must be at least twice the ping interval (${ping})`
        )
        return
      }
      ctx.d.ping = ping
      ctx.d.pingRestart = restart
    },
  },
  ping: secondsDirective((ctx, n) => (ctx.d.ping = n), DAY),
  'ping-restart': secondsDirective((ctx, n) => (ctx.d.pingRestart = n)),
  'ping-exit': secondsDirective((ctx, n) => (ctx.d.pingExit = n)),
  'reneg-sec': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 2)) return
      const n = intArg(ctx, o, 0, 0, YEAR, 'a number of seconds')
      if (o.args.length > 1) intArg(ctx, o, 1, 0, YEAR, 'a number of seconds')
      if (n !== null) ctx.d.renegSec = n
    },
  },
  'reneg-bytes': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, Number.MAX_SAFE_INTEGER, 'a number of bytes')
      if (n !== null) ctx.d.renegBytes = n === 0 ? null : n
    },
  },
  'reneg-pkts': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, Number.MAX_SAFE_INTEGER, 'a number of packets')
      if (n !== null) ctx.d.renegPackets = n === 0 ? null : n
    },
  },
  'hand-window': secondsDirective((ctx, n) => (ctx.d.handWindow = n), DAY),
  'tran-window': secondsDirective((ctx, n) => (ctx.d.tranWindow = n)),
  'tls-timeout': secondsDirective((ctx, n) => (ctx.d.tlsTimeout = n), 3600),
  'replay-window': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 2)) return
      const n = intArg(ctx, o, 0, 1, 65536, 'a window size')
      const t = o.args.length > 1 ? intArg(ctx, o, 1, 1, DAY, 'a number of seconds') : null
      if (n === null || (o.args.length > 1 && t === null)) return
      ctx.d.replayWindow = n
      if (t !== null) ctx.d.replayTime = t
    },
  },
  'tun-mtu': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 2)) return
      const n = intArg(ctx, o, 0, 576, 65535, 'an MTU')
      if (n !== null) ctx.d.tunMtu = n
    },
  },
  mssfix: {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 0, 2)) return
      if (o.args.length === 0) {
        ctx.d.mssfix = { value: DEFAULT_MSSFIX, mode: 'default' }
        return
      }
      const n = intArg(ctx, o, 0, 0, 65535, 'a size')
      const mode = o.args[1]
      if (mode !== undefined && mode !== 'mtu' && mode !== 'fixed') {
        err(ctx, o, `${quote(mode)} is not mtu or fixed`)
        return
      }
      if (n !== null) ctx.d.mssfix = { value: n, mode: mode ?? 'default' }
    },
  },
  'persist-key': flagDirective((ctx) => (ctx.d.persistKey = true)),
  'persist-tun': flagDirective((ctx) => (ctx.d.persistTun = true)),
  verb: {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, 1000, 'a verbosity level')
      if (n === null) return
      if (n > 11) warn(ctx, o, `verbosity ${n} is above the highest level 11; using 11`)
      ctx.d.verb = Math.min(n, 11)
    },
  },
  mute: {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const n = intArg(ctx, o, 0, 0, 1_000_000, 'a count')
      if (n !== null) ctx.d.mute = n
    },
  },
  'ifconfig-nowarn': flagDirective(() => undefined),
}
