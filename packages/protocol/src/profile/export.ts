/**
 * Profile export and import in the configuration manager's formats (spec dbus-api.md §3.6,
 * upstream `OptionListJSON`): the JSON object of `FetchJSON` and of the persistent file's
 * `profile` member, and the OpenVPN text of `Fetch`. JSON input (from disk or another tool) is
 * validated with zod and accepted in all upstream forms (1: one string, 2: strings for the
 * multi-use options, 3a: token array, 3b: array of token arrays).
 */
import { z } from 'zod'
import { DEFAULT_LIMITS, type ProfileLimits } from './constants.js'
import { IssueCollector, type ProfileIssue } from './issues.js'
import { quoteToken } from './lexer.js'
import { parseOptionListWith, type RawOption } from './option-list.js'
import type { Profile } from './profile.js'

/** Options whose JSON value is an array of token arrays (dbus-api.md §3.6). */
export const JSON_MULTI_OPTIONS: ReadonlySet<string> = new Set([
  'connection',
  'peer-fingerprint',
  'pull-filter',
  'remote',
  'route',
  'route-ipv6',
])

/** Options whose single token is an inline block body (dbus-api.md §3.6). */
export const JSON_INLINE_OPTIONS: ReadonlySet<string> = new Set([
  'auth-user-pass',
  'ca',
  'cert',
  'connection',
  'dh',
  'extra-certs',
  'http-proxy-user-pass',
  'key',
  'pkcs12',
  'tls-auth',
  'tls-crypt',
  'tls-crypt-v2',
])

/** Access Server meta options dropped from both exports (by name prefix). */
const DROPPED_META_PREFIXES = [
  'ALLOW_UNSIGNED',
  'APP_VERIFY',
  'AUTOLOGIN_SPEC',
  'CLI_PREF_',
  'DYNAMIC',
  'EXTERNAL_PKI',
  'GENERIC',
  'HOST_FIELD',
  'HOST_LIST',
  'SITE_LIST',
  'ICON_',
  'IS_',
  'NO_WEB',
  'ORGANIZATION',
  'PORTAL_URL',
  'WEB_CA',
  'WSHOST',
]

/** Meta options written back as `setenv opt NAME value` in the text export. */
const TEXT_META = new Set(['AUTOLOGIN', 'FRIENDLY_NAME', 'PROFILE', 'USERNAME'])

function dropped(o: RawOption): boolean {
  return o.meta && DROPPED_META_PREFIXES.some((p) => o.name.startsWith(p))
}

export type ProfileJson = Record<string, string[] | string[][]>

export interface ToJsonOptions {
  /**
   * Upstream keeps only the last instance of an option that is not in the multi-use list (a
   * second `setenv` or `dhcp-option` is lost). With `keepRepeated`, such options are written as
   * an array of token arrays when they occur more than once — upstream's importer reads that.
   */
  readonly keepRepeated?: boolean
}

/** The `FetchJSON` document for an option list. */
export function optionListToJson(
  options: readonly RawOption[],
  opts: ToJsonOptions = {}
): ProfileJson {
  const counts = new Map<string, number>()
  for (const o of options) counts.set(o.name, (counts.get(o.name) ?? 0) + 1)
  const out: ProfileJson = {}
  for (const o of options) {
    if (dropped(o)) continue
    const tokens = [...o.args]
    const multi =
      JSON_MULTI_OPTIONS.has(o.name) ||
      (opts.keepRepeated === true && (counts.get(o.name) ?? 0) > 1)
    if (multi) {
      const prev = out[o.name]
      const list = Array.isArray(prev) && Array.isArray(prev[0]) ? (prev as string[][]) : []
      list.push(tokens)
      out[o.name] = list
    } else {
      out[o.name] = tokens
    }
  }
  return out
}

/** The `FetchJSON` document of a parsed profile. */
export function profileToJson(profile: Profile, opts: ToJsonOptions = {}): ProfileJson {
  return optionListToJson(profile.options, opts)
}

function renderOption(o: RawOption): string | null {
  if (o.meta) {
    return TEXT_META.has(o.name) ? `setenv opt ${o.name} ${quoteToken(o.args[0] ?? '')}\n` : null
  }
  if (o.inline) {
    const body = o.args[0] ?? ''
    return `<${o.name}>\n${body}${body.endsWith('\n') || body === '' ? '' : '\n'}</${o.name}>\n`
  }
  return `${[o.name, ...o.args.map(quoteToken)].join(' ')}\n`
}

/** The `Fetch` text: one option per line, arguments quoted as needed, inline blocks as blocks. */
export function renderProfileText(options: readonly RawOption[]): string {
  return options
    .filter((o) => !dropped(o))
    .map(renderOption)
    .filter((l): l is string => l !== null)
    .join('')
}

const Tokens = z.array(z.union([z.string(), z.number(), z.boolean()]).transform(String))
const JsonValue = z.union([z.string(), z.array(Tokens), Tokens])
const JsonProfile = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/), JsonValue)

export type FromJsonResult =
  | {
      readonly ok: true
      readonly text: string
      readonly options: RawOption[]
      readonly warnings: ProfileIssue[]
    }
  | { readonly ok: false; readonly issues: ProfileIssue[] }

function lineFor(name: string, tokens: readonly string[]): string | null {
  if (JSON_INLINE_OPTIONS.has(name) && tokens.length === 1 && (tokens[0] ?? '').includes('\n')) {
    const body = tokens[0] as string
    // A closing tag inside the body would end the block early and turn the rest into directives.
    if (body.split('\n').some((l) => l.trimStart().startsWith(`</${name}>`))) return null
    return `<${name}>\n${body}${body.endsWith('\n') ? '' : '\n'}</${name}>\n`
  }
  // A line break inside a token would start a new directive in the text form.
  if (tokens.some((t) => /[\r\n]/.test(t))) return null
  return `${[name, ...tokens.map(quoteToken)].join(' ')}\n`
}

/**
 * Read a stored JSON profile (any upstream form) back into profile text and options. The text
 * is what `Fetch` returns and what the backend parses with `parseProfile`.
 */
export function profileFromJson(
  input: unknown,
  limits: Partial<ProfileLimits> = {}
): FromJsonResult {
  const lim: ProfileLimits = { ...DEFAULT_LIMITS, ...limits }
  const issues = new IssueCollector(lim.maxIssues)
  const parsed = JsonProfile.safeParse(input)
  if (!parsed.success) {
    for (const i of parsed.error.issues.slice(0, 10)) {
      issues.error('invalid_json', null, null, `${i.path.join('.') || 'profile'}: ${i.message}`)
    }
    issues.finish()
    return { ok: false, issues: issues.errors }
  }
  let text = ''
  const add = (name: string, line: string | null) => {
    if (line === null) {
      issues.error('invalid_json', null, name, 'an argument contains a line break or a closing tag')
    } else text += line
  }
  const rest = (name: string, value: string) => (/[\r\n]/.test(value) ? null : `${name} ${value}\n`)
  for (const [name, value] of Object.entries(parsed.data)) {
    if (/^[A-Z][A-Z0-9_]*$/.test(name) && !Array.isArray(value?.[0])) {
      // An Access Server meta option: back to its comment form, so it stays meta.
      const v = typeof value === 'string' ? value : value.join(' ')
      if (!v.includes('\n')) text += `# OVPN_ACCESS_SERVER_${name}=${v}\n`
      continue
    }
    if (typeof value === 'string') {
      // Form 1: everything after the name in one string.
      add(name, JSON_INLINE_OPTIONS.has(name) ? lineFor(name, [value]) : rest(name, value))
    } else if (value.length > 0 && Array.isArray(value[0])) {
      for (const tokens of value as string[][]) add(name, lineFor(name, tokens)) // form 3b
    } else if (JSON_MULTI_OPTIONS.has(name)) {
      for (const v of value as string[])
        add(name, JSON_INLINE_OPTIONS.has(name) ? lineFor(name, [v]) : rest(name, v)) // form 2
    } else {
      add(name, lineFor(name, value as string[])) // form 3a
    }
  }
  const options = parseOptionListWith(text, lim, issues)
  issues.finish()
  if (issues.hasErrors) return { ok: false, issues: issues.errors }
  return { ok: true, text, options, warnings: issues.warnings }
}
