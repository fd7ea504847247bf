/**
 * Walks the raw option list through the directive table: refuses dangerous, server-only and
 * unsupported directives with their reason, warns about unknown and ignored ones, reports
 * duplicates, enters `<connection>` blocks and `setenv opt` (spec openvpn-protocol.md §19.1:
 * `setenv opt` makes an unknown directive a warning; it does not make a dangerous one safe).
 */
import type { DirectiveSpec, DirectiveTable } from './directive-spec.js'
import { cryptoDirectives } from './directives-crypto.js'
import { routingDirectives } from './directives-routing.js'
import { sessionDirectives } from './directives-session.js'
import { transportDirectives } from './directives-transport.js'
import { err, newConnectionDraft, warn, type Ctx, type Opt } from './draft.js'
import { quote } from './issues.js'
import type { RawOption } from './option-list.js'
import { refusal } from './refused.js'

export const DIRECTIVES: DirectiveTable = {
  ...transportDirectives,
  ...cryptoDirectives,
  ...sessionDirectives,
  ...routingDirectives,
}

/** Credentials given twice are an error, not "last one wins": which one was meant is unclear. */
const SINGLE_CREDENTIALS = new Set([
  'cert',
  'key',
  'tls-auth',
  'tls-crypt',
  'tls-crypt-v2',
  'auth-user-pass',
  'crl-verify',
])

/** Interpret every option of a profile into `ctx.d`. */
export function applyOptions(ctx: Ctx, options: readonly RawOption[]): void {
  for (const o of options) {
    if (o.name === 'ignore-unknown-option') for (const a of o.args) ctx.d.ignoreUnknown.add(a)
  }
  const seen = new Map<string, RawOption>()
  for (const o of options) applyOne(ctx, o, seen, false)
}

function lookup(name: string): DirectiveSpec | undefined {
  return Object.prototype.hasOwnProperty.call(DIRECTIVES, name) ? DIRECTIVES[name] : undefined
}

function applyOne(ctx: Ctx, o: Opt, seen: Map<string, RawOption>, viaSetenvOpt: boolean): void {
  if (o.meta) {
    ctx.d.meta[o.name] = o.args[0] ?? ''
    return
  }
  if (o.name === 'connection') {
    applyConnection(ctx, o)
    return
  }
  if (o.name === 'setenv' && o.args[0] === 'opt') {
    applySetenvOpt(ctx, o, seen)
    return
  }
  if (o.name === 'ignore-unknown-option') return
  const refused = refusal(o.name)
  if (refused !== null) {
    switch (refused.kind) {
      case 'dangerous':
        err(
          ctx,
          o,
          `refused: ${refused.reason}; not allowed in a client profile`,
          'dangerous_directive'
        )
        return
      case 'server_only':
        err(ctx, o, `${refused.reason}; not valid in a client profile`, 'server_only')
        return
      case 'unsupported':
        err(ctx, o, `unsupported: ${refused.reason}`, 'unsupported')
        return
      case 'ignored':
        warn(ctx, o, `ignored: ${refused.reason}`)
        return
    }
  }
  const spec = lookup(o.name)
  if (spec === undefined) {
    if (!ctx.d.ignoreUnknown.has(o.name)) {
      const how = o.inline ? 'inline block' : 'directive'
      const why = viaSetenvOpt ? " (marked optional with 'setenv opt')" : ''
      warn(ctx, o, `unknown ${how}${why}; ignored`, 'unknown_directive')
    }
    return
  }
  if (ctx.inConnection && spec.connection !== true) {
    err(ctx, o, 'not allowed inside a <connection> block', 'conflict')
    return
  }
  if (o.inline && spec.inline !== true) {
    err(ctx, o, `cannot be given as an inline block <${o.name}>`, 'unknown_block')
    return
  }
  if (spec.repeatable !== true) {
    const prev = seen.get(o.name)
    if (prev !== undefined) {
      if (SINGLE_CREDENTIALS.has(o.name)) {
        err(ctx, o, `given more than once (also at line ${prev.line})`, 'duplicate_option')
      } else if (prev.args.join('\u0000') !== o.args.join('\u0000')) {
        warn(
          ctx,
          o,
          `also given at line ${prev.line} with other arguments; the last one wins`,
          'duplicate_option'
        )
      }
    }
    seen.set(o.name, o)
  }
  spec.handle(ctx, o)
}

function applyConnection(ctx: Ctx, o: Opt): void {
  if (ctx.inConnection) {
    err(ctx, o, '<connection> blocks cannot be nested', 'conflict')
    return
  }
  if (!o.inline) {
    err(ctx, o, 'must be a <connection> … </connection> block', 'invalid_argument')
    return
  }
  const conn = newConnectionDraft(o.line)
  ctx.d.blocks.push(conn)
  const sub: Ctx = { ...ctx, conn, inConnection: true }
  const seen = new Map<string, RawOption>()
  for (const child of o.children) applyOne(sub, child, seen, false)
  if (conn.remotes.length === 0)
    err(ctx, o, "a <connection> block needs a 'remote'", 'missing_required')
}

function applySetenvOpt(ctx: Ctx, o: Opt, seen: Map<string, RawOption>): void {
  const [name, ...args] = o.args.slice(1)
  if (name === undefined) {
    err(ctx, o, "'setenv opt' needs a directive", 'missing_argument')
    return
  }
  // Access Server meta options are written back as `setenv opt NAME value` (dbus-api.md §3.6).
  if (/^[A-Z][A-Z0-9_]*$/.test(name)) {
    ctx.d.meta[name] = args.join(' ')
    return
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(name)) {
    err(ctx, o, `${quote(name)} is not a directive name`, 'invalid_argument')
    return
  }
  applyOne(ctx, { ...o, name, args }, seen, true)
}
