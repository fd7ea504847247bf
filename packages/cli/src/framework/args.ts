/**
 * Option parsing for the CLI commands (spec dbus-api.md §13: `--opt VALUE`, `--opt=VALUE`,
 * `-o VALUE`, `-oVALUE`, bundled flags `-sv`, `--` ends options). Boolean option values accept
 * true/false, yes/no, on/off, 1/0 as upstream does. Unknown options and missing values are
 * UsageErrors.
 */
import type { OptionSpec } from './command.js'
import { UsageError } from './errors.js'

export class ParsedArgs {
  constructor(
    private readonly values: ReadonlyMap<string, readonly (string | true)[]>,
    readonly positionals: readonly string[]
  ) {}

  /** Was the option given (with or without value)? */
  has(name: string): boolean {
    return this.values.has(name)
  }

  /** Last value of the option; undefined when absent or given without value. */
  get(name: string): string | undefined {
    const v = this.values.get(name)
    const last = v?.[v.length - 1]
    return typeof last === 'string' ? last : undefined
  }

  /** All values of a repeatable option. */
  all(name: string): string[] {
    return (this.values.get(name) ?? []).filter((v): v is string => typeof v === 'string')
  }

  /** A true/false option value; undefined when absent. */
  bool(name: string): boolean | undefined {
    if (!this.values.has(name)) return undefined
    const v = this.get(name)
    if (v === undefined) return true
    return parseBool(v, `--${name}`)
  }

  /** Names of the options that were given. */
  get given(): string[] {
    return [...this.values.keys()]
  }
}

export function parseBool(v: string, what: string): boolean {
  const s = v.toLowerCase()
  if (['true', 'yes', 'on', '1'].includes(s)) return true
  if (['false', 'no', 'off', '0'].includes(s)) return false
  throw new UsageError(`${what} expects true or false, got '${v}'`)
}

export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byLong = new Map<string, OptionSpec>()
  const byShort = new Map<string, OptionSpec>()
  for (const s of specs) {
    byLong.set(s.name, s)
    for (const a of s.aliases ?? []) byLong.set(a, s)
    if (s.short) byShort.set(s.short, s)
  }
  const values = new Map<string, (string | true)[]>()
  const positionals: string[] = []
  const put = (spec: OptionSpec, v: string | true) => {
    const list = values.get(spec.name) ?? []
    if (list.length > 0 && !spec.multiple) list.length = 0
    list.push(v)
    values.set(spec.name, list)
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=')
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq)
      const spec = byLong.get(name)
      if (!spec) throw new UsageError(`unknown option --${name}`)
      const kind = spec.arg ?? 'none'
      if (eq >= 0) {
        if (kind === 'none') throw new UsageError(`--${name} takes no value`)
        put(spec, a.slice(eq + 1))
      } else if (kind === 'required') {
        const next = argv[i + 1]
        if (next === undefined) throw new UsageError(`--${name} needs a value`)
        put(spec, next)
        i++
      } else if (kind === 'optional') {
        const next = argv[i + 1]
        if (next !== undefined && !next.startsWith('-')) {
          put(spec, next)
          i++
        } else put(spec, true)
      } else put(spec, true)
      continue
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j] as string
        const spec = byShort.get(c)
        if (!spec) throw new UsageError(`unknown option -${c}`)
        const kind = spec.arg ?? 'none'
        if (kind === 'none') {
          put(spec, true)
          continue
        }
        const rest = a.slice(j + 1)
        if (rest !== '') put(spec, rest)
        else if (kind === 'required') {
          const next = argv[i + 1]
          if (next === undefined) throw new UsageError(`-${c} needs a value`)
          put(spec, next)
          i++
        } else {
          const next = argv[i + 1]
          if (next !== undefined && !next.startsWith('-')) {
            put(spec, next)
            i++
          } else put(spec, true)
        }
        break
      }
      continue
    }
    positionals.push(a)
  }
  return new ParsedArgs(values, positionals)
}
