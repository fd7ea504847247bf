/**
 * @module errors
 * Named errors of the test harness (style rule 8: one class per failure mode, `name` set, `cause`
 * kept, the offending value quoted). Tests compare them by `name`, never by message text.
 */

/** A wait (for a line, a bus name, a server, a command) did not finish in time. */
export class TestkitTimeoutError extends Error {
  override readonly name = 'TestkitTimeoutError'
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    options?: { cause?: unknown; detail?: string }
  ) {
    super(
      `timed out after ${timeoutMs} ms waiting for ${what}` +
        (options?.detail ? `\n--- output ---\n${options.detail}` : ''),
      options?.cause === undefined ? undefined : { cause: options.cause }
    )
  }
}

/** A started process exited while something was still waiting on it. */
export class ProcessExitedError extends Error {
  override readonly name = 'ProcessExitedError'
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly output: string
  ) {
    super(
      `process "${command}" exited (code ${code}, signal ${signal}) before it was ready` +
        `\n--- output ---\n${tail(output)}`
    )
  }
}

/** A helper command (ip, openssl, openvpn --genkey, …) failed. */
export class CommandFailedError extends Error {
  override readonly name = 'CommandFailedError'
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly stderr: string,
    options?: { cause?: unknown }
  ) {
    super(
      `command "${command}" failed (code ${code}): ${tail(stderr, 2000)}`,
      options?.cause === undefined ? undefined : { cause: options.cause }
    )
  }
}

/** The private dbus-daemon did not start. */
export class BusStartError extends Error {
  override readonly name = 'BusStartError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
  }
}

/** The namespace lab could not be set up (namespaces, PKI or an OpenVPN server). */
export class LabSetupError extends Error {
  override readonly name = 'LabSetupError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
  }
}

/** Last `max` characters of a (possibly long) output, for error messages. */
export function tail(text: string, max = 4000): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`
}
