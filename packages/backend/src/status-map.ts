/**
 * How engine outcomes become `StatusChange` codes and texts (spec §6.6 table): the final error
 * of the protocol engine → (StatusMajor, StatusMinor, message), and engine log levels →
 * LogCategory. Pure functions, tested on their own.
 */
import { LogCategory, StatusMajor, StatusMinor } from '@openvpn3-ts/dbus'
import type { LogLevel, ProtocolError } from '@openvpn3-ts/protocol'

export interface Status {
  major: number
  minor: number
  message: string
}

export const status = (major: number, minor: number, message = ''): Status => ({
  major,
  minor,
  message,
})

/** The StatusChange for the engine's final `disconnected` event. */
export function finalStatus(error: ProtocolError | undefined): Status {
  const C = StatusMajor.CONNECTION
  if (!error) return status(C, StatusMinor.CONN_DISCONNECTED)
  switch (error.code) {
    case 'AUTH_FAILED':
      return status(C, StatusMinor.CONN_AUTH_FAILED, 'Authentication failed')
    case 'CERT_VERIFY':
      return status(C, StatusMinor.CONN_FAILED, 'Certificate verification failed')
    case 'HALT':
      return status(C, StatusMinor.CONN_FAILED, 'Client disconnected by server')
    case 'TLS_HANDSHAKE':
      return status(C, StatusMinor.CONN_FAILED, 'Unspecified TLS error during connection setup')
    default:
      return status(C, StatusMinor.CONN_FAILED, `${error.message} {${error.code}}`)
  }
}

/** Engine log level → LogCategory. */
export function logCategoryOf(level: LogLevel): number {
  switch (level) {
    case 'debug':
      return LogCategory.DEBUG
    case 'info':
      return LogCategory.INFO
    case 'warn':
      return LogCategory.WARN
    case 'error':
      return LogCategory.ERROR
  }
}
