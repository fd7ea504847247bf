/**
 * The start-up and exit of a service process (spec dbus-api.md §1.7): parse the command
 * line, answer `--help`, report a bad command line with the usage text, run the service and
 * exit with its code; an unexpected error is printed once, prefixed by the program name, and
 * exits 1. Signals stay with each service's main.ts (style rule 6).
 */
import { UsageError } from './options.js'

export interface ServiceMainInit<O> {
  /** program name, the prefix of what is written to stderr */
  program: string
  /** printed for `--help` (options with `help: true`) and after a usage error */
  usage: string
  /** turns the command line (without node and the script) into the options */
  parse: (argv: readonly string[]) => O
  /** errors of `parse` that mean "bad command line" (default: `UsageError`) */
  isUsageError?: (err: unknown) => boolean
  /** exit code after a usage error (default 2) */
  usageExitCode?: number
  /** default `process.argv.slice(2)` */
  argv?: readonly string[]
}

function describeError(err: unknown): string {
  return err instanceof Error ? (err.stack ?? err.message) : String(err)
}

/** Parses the options, runs `main` with them and resolves with the exit code; never rejects. */
export async function serviceMain<O>(
  init: ServiceMainInit<O>,
  main: (opts: O) => Promise<number>
): Promise<number> {
  const isUsageError = init.isUsageError ?? ((err) => err instanceof UsageError)
  let opts: O
  try {
    opts = init.parse(init.argv ?? process.argv.slice(2))
  } catch (err) {
    if (!isUsageError(err)) {
      process.stderr.write(`${init.program}: ${describeError(err)}\n`)
      return 1
    }
    const message = err instanceof Error ? err.message : String(err)
    process.stderr.write(`${init.program}: ${message}\n${init.usage}\n`)
    return init.usageExitCode ?? 2
  }
  if ((opts as { help?: unknown }).help === true) {
    process.stdout.write(`${init.usage}\n`)
    return 0
  }
  try {
    return await main(opts)
  } catch (err) {
    process.stderr.write(`${init.program}: ${describeError(err)}\n`)
    return 1
  }
}

/** `serviceMain`, then exits the process with its code. */
export function runServiceMain<O>(
  init: ServiceMainInit<O>,
  main: (opts: O) => Promise<number>
): void {
  void serviceMain(init, main).then((code) => process.exit(code))
}
