/**
 * Command lines of the services (spec dbus-api.md §3–§8 "process options"): `--flag value`,
 * `--flag=value` and boolean `--flag`, checked by a zod object schema that each service keeps
 * for itself. The schema's keys are the flag names without the dashes; a key whose schema
 * (under `.optional()`/`.default()`) is `z.boolean()` is a switch, `z.array(...)` a flag that
 * may be repeated, anything else takes one value (a string, for the schema to check/convert).
 * Every problem is collected and thrown as one `UsageError`, each quoting the bad value.
 */
import { z } from 'zod'

/** The command line is wrong; `issues` lists every problem, `message` joins them. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
  readonly issues: readonly string[]
  constructor(issues: string | readonly string[], options?: { cause?: unknown }) {
    const list = typeof issues === 'string' ? [issues] : issues
    super(list.join('; '), options)
    this.issues = list
  }
}

export interface ServiceOptionsInit {
  /** other spellings of a flag, e.g. `{ '-h': 'help', '--color': 'colour' }` */
  aliases?: Readonly<Record<string, string>>
  /**
   * Schema key receiving the arguments that are not options, as a string array (the key is
   * not a flag then). Without it, such an argument is a usage error.
   */
  positionals?: string
}

type FlagKind = 'switch' | 'value' | 'list'

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly'])

/** What a schema entry takes on the command line (looks through optional/default/pipe). */
function flagKind(schema: z.ZodType): FlagKind {
  let s: z.core.$ZodType = schema
  for (;;) {
    const def = s._zod.def
    if (WRAPPERS.has(def.type)) s = (def as z.core.$ZodOptionalDef).innerType
    else if (def.type === 'pipe') s = (def as z.core.$ZodPipeDef).in
    else break
  }
  const type = s._zod.def.type
  return type === 'boolean' ? 'switch' : type === 'array' ? 'list' : 'value'
}

/** A flag value of decimal digits only, as a number from `min` to `max`. */
export function wholeNumber(max: number, min = 0) {
  const message = `expected a whole number from ${min} to ${max}`
  return z
    .string()
    .regex(/^\d+$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
}

function quote(v: unknown): string {
  return typeof v === 'string' ? `'${v}'` : JSON.stringify(v)
}

/**
 * Parses `argv` (without node and the script) against `schema`. Returns the schema's output;
 * throws `UsageError` listing unknown flags, missing or unexpected values, stray arguments and
 * every value the schema refuses.
 */
export function parseServiceOptions<S extends z.ZodObject>(
  argv: readonly string[],
  schema: S,
  init: ServiceOptionsInit = {}
): z.output<S> {
  const kinds = new Map<string, FlagKind>()
  for (const [key, entry] of Object.entries(schema.shape)) {
    if (key !== init.positionals) kinds.set(key, flagKind(entry as z.ZodType))
  }
  const issues: string[] = []
  const raw: Record<string, string | true | string[]> = {}
  const positionals: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1))
      break
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg)
      continue
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1
    const spelled = eq > 0 ? arg.slice(0, eq) : arg
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined
    const alias = init.aliases?.[spelled]
    const key = alias ?? (spelled.startsWith('--') ? spelled.slice(2) : undefined)
    const kind = key === undefined ? undefined : kinds.get(key)
    if (key === undefined || kind === undefined) {
      issues.push(`unknown option '${spelled}'`)
      continue
    }
    if (kind === 'switch') {
      if (inline !== undefined) issues.push(`${spelled}: takes no value (got '${inline}')`)
      else raw[key] = true
      continue
    }
    let value = inline
    if (value === undefined) {
      const next = argv[i + 1]
      if (next === undefined || next.startsWith('--')) {
        issues.push(`${spelled}: needs a value`)
        continue
      }
      value = next
      i++
    }
    if (kind === 'list') {
      const list = raw[key]
      raw[key] = Array.isArray(list) ? [...list, value] : [value]
    } else {
      raw[key] = value
    }
  }
  if (init.positionals !== undefined) raw[init.positionals] = positionals
  else for (const p of positionals) issues.push(`unexpected argument '${p}'`)

  const r = schema.safeParse(raw)
  if (!r.success) {
    for (const issue of r.error.issues) {
      const [key, index] = issue.path
      const name = String(key ?? '')
      const given = raw[name]
      const value = Array.isArray(given) && typeof index === 'number' ? given[index] : given
      const label = name === init.positionals ? 'argument' : `--${name}`
      issues.push(
        value === undefined
          ? `${label}: ${issue.message}`
          : `${label}: invalid value ${quote(value)} (${issue.message})`
      )
    }
  }
  if (issues.length > 0) throw new UsageError(issues, r.success ? {} : { cause: r.error })
  return r.data as z.output<S>
}
