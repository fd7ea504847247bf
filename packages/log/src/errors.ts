/**
 * Error classes of the log service (style rule 8). D-Bus replies use the texts of spec §8.2
 * in the `net.openvpn.v3.log.error` domain (see @openvpn3-ts/dbus api/log.ts).
 */

/** Bad command line or configuration file value; quotes the offending value. */
export class LogConfigError extends Error {
  override readonly name = 'LogConfigError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A log file could not be opened or reopened. */
export class LogFileError extends Error {
  override readonly name = 'LogFileError'
  constructor(
    readonly path: string,
    options?: { cause?: unknown }
  ) {
    super(`cannot open log file '${path}'`, options)
  }
}
