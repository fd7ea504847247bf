/**
 * D-Bus error names and error classes, wire-compatible with GDBus++ (spec §1.4).
 *
 * Method errors from openvpn3 services carry the name
 * `org.gtk.GDBus.UnmappedGError.Quark._<escaped domain>.Code36` and the message
 * `GDBus.Error:<domain>: <text>`; property errors and bus errors are plain D-Bus names.
 * Services throw `ServiceError` (domain + text) or `PlainDBusError` (name + text);
 * clients receive `DBusCallError`, which parses the domain back out.
 */

/** Error domains used by openvpn3 services (spec §1.4 table). */
export const ErrorDomain = {
  /** default for method errors and method-call authorisation denials */
  GDBUSPP: 'net.openvpn.gdbuspp',
  /** non-method exceptions inside a method (parse errors, proxied backend errors, queue errors) */
  REQUEST: 'net.openvpn.gdbuspp.request',
  /** backend and session `Ready` */
  READY: 'net.openvpn.v3.error.ready',
  /** backend client method failures */
  CLIENT: 'net.openvpn.v3.error.client',
  /** backend `RegistrationConfirmation` */
  BE_REGISTRATION: 'net.openvpn.v3.error.be-registration',
  /** log service methods */
  LOG: 'net.openvpn.v3.log.error',
  /** netcfg methods */
  NETCFG: 'net.openvpn.v3.netcfg.error',
  /** declared upstream, not thrown by current code */
  NETCFG_DEVICE: 'net.openvpn.v3.netcfg.device.error',
} as const
export type ErrorDomain = (typeof ErrorDomain)[keyof typeof ErrorDomain]

/** Exact error texts per domain that upstream services produce (spec §1.4, §3–§8). */
export const ErrorTexts = {
  [ErrorDomain.READY]: ['Missing user credentials', 'Pending web authentication'],
  [ErrorDomain.CLIENT]: [
    'Backend service is not initialized',
    'Connection is already paused',
    'Connection is not paused',
    'Required user input not provided',
    'Session is changing connection state, but times out',
    'No configuration profile has been parsed',
    'Configuration parsing failed: …',
    'Configuration pre-parsing failed: …',
  ],
  [ErrorDomain.BE_REGISTRATION]: [
    'Backend service is already registered',
    'Invalid registration token',
  ],
  [ErrorDomain.LOG]: [
    'Could not authenticate caller',
    'Already attached',
    'Access denied',
    'Not attached',
    'No session available',
  ],
  [ErrorDomain.NETCFG]: [
    "Error creating virtual interface '<name>'",
    'Subscription filter flag must be > 0',
    'Invalid subscription flag, must be < 65535',
    "Subscription not found for '<sub>'",
    'Failed to retrieve subscriber',
    "[SetDNSSEC] Invalid DNSSEC mode: '<m>'",
    "[SetDNSTransport] Invalid DNS transport mode: '<m>'",
    '[SetDNSScope] Invalid DNS Scope value: <v>',
    'SO_MARK requested but protect_socket call received no fd',
    'bind to dev method requested but protect_socket call received no fd',
    'Sockaddr size mismatching',
    'Failed to parse DCO key configuration',
  ],
} as const satisfies Partial<Record<ErrorDomain, readonly string[]>>

/** Standard (plain) D-Bus error names used on the wire. */
export const StdError = {
  Failed: 'org.freedesktop.DBus.Error.Failed',
  AccessDenied: 'org.freedesktop.DBus.Error.AccessDenied',
  InvalidArgs: 'org.freedesktop.DBus.Error.InvalidArgs',
  UnknownObject: 'org.freedesktop.DBus.Error.UnknownObject',
  UnknownInterface: 'org.freedesktop.DBus.Error.UnknownInterface',
  UnknownMethod: 'org.freedesktop.DBus.Error.UnknownMethod',
  UnknownProperty: 'org.freedesktop.DBus.Error.UnknownProperty',
  PropertyReadOnly: 'org.freedesktop.DBus.Error.PropertyReadOnly',
  NoReply: 'org.freedesktop.DBus.Error.NoReply',
  ServiceUnknown: 'org.freedesktop.DBus.Error.ServiceUnknown',
  NameHasNoOwner: 'org.freedesktop.DBus.Error.NameHasNoOwner',
  LimitsExceeded: 'org.freedesktop.DBus.Error.LimitsExceeded',
  Timeout: 'org.freedesktop.DBus.Error.Timeout',
} as const

const QUARK_PREFIX = 'org.gtk.GDBus.UnmappedGError.Quark._'
const QUARK_SUFFIX = '.Code36'

/** glib's escaping of a quark: ASCII alphanumerics kept, every other byte → `_xx`. */
export function escapeQuark(domain: string): string {
  let out = ''
  for (const byte of Buffer.from(domain, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += /[A-Za-z0-9]/.test(c) ? c : '_' + byte.toString(16).padStart(2, '0')
  }
  return out
}

/** Inverse of escapeQuark; undefined when the text is not a valid escape. */
export function unescapeQuark(escaped: string): string | undefined {
  const bytes: number[] = []
  for (let i = 0; i < escaped.length; i++) {
    const c = escaped[i] as string
    if (c === '_') {
      const hex = escaped.slice(i + 1, i + 3)
      if (!/^[0-9a-f]{2}$/.test(hex)) return undefined
      bytes.push(parseInt(hex, 16))
      i += 2
    } else if (/[A-Za-z0-9]/.test(c)) {
      bytes.push(c.charCodeAt(0))
    } else {
      return undefined
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

/** Wire error name for a GDBus++ method error of `domain`. */
export function gdbusErrorName(domain: string): string {
  return QUARK_PREFIX + escapeQuark(domain) + QUARK_SUFFIX
}

/** Wire error message for a GDBus++ method error. */
export function gdbusErrorMessage(domain: string, text: string): string {
  return `GDBus.Error:${domain}: ${text}`
}

/** Split a received error into domain + text when it has the GDBus++ shape. */
export function parseGdbusError(
  errorName: string,
  message: string
): { domain: string; text: string } | undefined {
  if (!errorName.startsWith(QUARK_PREFIX) || !errorName.endsWith(QUARK_SUFFIX)) return undefined
  const domain = unescapeQuark(errorName.slice(QUARK_PREFIX.length, -QUARK_SUFFIX.length))
  if (domain === undefined) return undefined
  const marker = `GDBus.Error:${domain}: `
  const text = message.startsWith(marker) ? message.slice(marker.length) : message
  return { domain, text }
}

/** The name and message an error takes on the wire. */
export interface WireError {
  name: string
  message: string
}

/**
 * A method error in a GDBus++ domain (spec §1.4). Throw it from a method handler:
 * `throw new ServiceError(ErrorDomain.READY, 'Missing user credentials')`.
 */
export class ServiceError extends Error {
  override readonly name = 'ServiceError'
  constructor(
    readonly domain: string,
    readonly text: string,
    options?: { cause?: unknown }
  ) {
    super(`${domain}: ${text}`, options)
  }
  toWire(): WireError {
    return { name: gdbusErrorName(this.domain), message: gdbusErrorMessage(this.domain, this.text) }
  }
}

/**
 * An error with a plain D-Bus error name, e.g. property errors
 * (`org.freedesktop.DBus.Error.AccessDenied` with the rejection text, spec §1.4).
 */
export class PlainDBusError extends Error {
  override readonly name = 'PlainDBusError'
  constructor(
    readonly errorName: string,
    readonly text: string,
    options?: { cause?: unknown }
  ) {
    super(`${errorName}: ${text}`, options)
  }
  toWire(): WireError {
    return { name: this.errorName, message: this.text }
  }
}

/** Map anything a handler threw to its wire form. Unknown errors → `net.openvpn.gdbuspp.request`. */
export function toWireError(err: unknown): WireError {
  if (err instanceof ServiceError || err instanceof PlainDBusError) return err.toWire()
  const text = err instanceof Error ? err.message : String(err)
  return new ServiceError(ErrorDomain.REQUEST, text).toWire()
}

/** A D-Bus call that came back with an error reply. */
export class DBusCallError extends Error {
  override readonly name = 'DBusCallError'
  /** GDBus++ domain when the error name has that shape, else undefined. */
  readonly domain: string | undefined
  /** Error text without the `GDBus.Error:<domain>: ` prefix. */
  readonly text: string
  constructor(
    /** The D-Bus error name as received. */
    readonly errorName: string,
    /** The error message as received. */
    readonly wireMessage: string,
    /** `destination path interface.member` of the failed call. */
    readonly call: string,
    options?: { cause?: unknown }
  ) {
    const parsed = parseGdbusError(errorName, wireMessage)
    super(`${call}: ${errorName}: ${wireMessage}`, options)
    this.domain = parsed?.domain
    this.text = parsed?.text ?? wireMessage
  }
  /** True for a GDBus++ error of `domain`, or a plain error named `domain`. */
  is(domainOrName: string): boolean {
    return this.domain === domainOrName || this.errorName === domainOrName
  }
}

/** A call that got no reply within its timeout (dbus-next has none of its own). */
export class DBusTimeoutError extends Error {
  override readonly name = 'DBusTimeoutError'
  constructor(
    readonly call: string,
    readonly timeoutMs: number
  ) {
    super(`${call}: no reply within ${timeoutMs} ms`)
  }
}

/** The bus connection closed while a call was pending, or before it was sent. */
export class BusClosedError extends Error {
  override readonly name = 'BusClosedError'
  constructor(message = 'the D-Bus connection is closed', options?: { cause?: unknown }) {
    super(message, options)
  }
}
