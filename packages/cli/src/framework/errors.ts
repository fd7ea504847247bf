/**
 * CLI errors and their one-line rendering (spec dbus-api.md §13). A command throws CliError
 * (message, exit code) or UsageError; D-Bus errors are shown by their text without the
 * `GDBus.Error:<domain>: ` prefix; anything else by its message. Exit codes: 0 ok, 1 failure,
 * 2 usage error.
 */

export class CliError extends Error {
  override readonly name = 'CliError'
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: { cause?: unknown }
  ) {
    super(message, options)
  }
}

export class UsageError extends CliError {
  override readonly name = 'UsageError' as 'CliError'
  constructor(message: string) {
    super(message, 2)
  }
}

interface CallErrorLike {
  errorName: string
  text: string
}

const isCallError = (e: unknown): e is CallErrorLike =>
  e instanceof Error &&
  e.name === 'DBusCallError' &&
  typeof (e as unknown as CallErrorLike).text === 'string'

/** The text a user sees for `err` (one line per problem, no stack). */
export function errorText(err: unknown): string {
  if (isCallError(err)) {
    if (err.errorName === 'org.freedesktop.DBus.Error.ServiceUnknown')
      return `Service not available: ${err.text}`
    return err.text
  }
  if (err instanceof Error) {
    if (err.name === 'BusConnectError')
      return `Could not connect to the D-Bus system bus: ${err.message}`
    if (err.name === 'DBusTimeoutError') return `No reply from the service in time (${err.message})`
    return err.message
  }
  return String(err)
}

export function exitCodeOf(err: unknown): number {
  return err instanceof CliError ? err.exitCode : 1
}
