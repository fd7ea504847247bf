/**
 * The shape of a CLI command (spec dbus-api.md §13): a name, a one-line summary, its options
 * and a `run` function. Each command lives in its own file under `src/commands/` and
 * default-exports `defineCommand({...})`; `src/commands/index.ts` lists them with a lazy
 * loader, so starting the CLI loads only the command that runs.
 */
import type { ParsedArgs } from './args.js'
import type { Output } from './output.js'
import type { Prompter } from './prompt.js'
import type { DBusConnection } from '@openvpn3-ts/dbus'

export type OptionArg = 'none' | 'required' | 'optional'

export interface OptionSpec {
  /** long name without `--` */
  readonly name: string
  /** one-letter short form without `-` */
  readonly short?: string
  /** other long names (upstream spells some two ways, e.g. `config-path` for `path`) */
  readonly aliases?: readonly string[]
  /** does the option take a value (default 'none') */
  readonly arg?: OptionArg
  /** placeholder shown in help, e.g. FILE */
  readonly metavar?: string
  readonly help: string
  /** may be given more than once */
  readonly multiple?: boolean
}

export interface CommandContext {
  readonly args: ParsedArgs
  readonly out: Output
  readonly prompt: Prompter
  /** The system bus (or DBUS_SYSTEM_BUS_ADDRESS), connected on first use and closed after run. */
  readonly bus: () => Promise<DBusConnection>
  /** Program name (`openvpn3` or `openvpn3-admin`). */
  readonly program: string
}

export interface CommandSpec {
  readonly name: string
  readonly summary: string
  readonly options: readonly OptionSpec[]
  /** free-text lines appended to --help */
  readonly details?: readonly string[]
  /** exit code (default 0); throw CliError for failures */
  run(ctx: CommandContext): Promise<number | void>
}

export function defineCommand(spec: CommandSpec): CommandSpec {
  return spec
}

/** One line of the command table: enough for `help` without loading the command module. */
export interface CommandEntry {
  readonly name: string
  readonly summary: string
  readonly load: () => Promise<{ default: CommandSpec }>
  /** not listed in `help` */
  readonly hidden?: boolean
}
