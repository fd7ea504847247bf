/**
 * Text formats of log lines: message cleaning (spec §2.11: control characters and trailing
 * newlines removed), the `<group> <category>: ` prefix (spec §2.6, upstream `LogPrefix`),
 * LogCategory → syslog priority, and the journal-friendly line with an sd-daemon `<N>`
 * prefix (sd-daemon(3); journald maps it to PRIORITY= with `SyslogLevelPrefix=yes`).
 */
import { LogCategory, LogGroup, MAX_LOG_LEVEL } from '../enums.js'

/** Messages longer than this are cut (a D-Bus message is at most 128 MiB; logs need less). */
export const MAX_MESSAGE_LENGTH = 16 * 1024

/** syslog(3) priorities. */
export const SyslogPriority = {
  EMERG: 0,
  ALERT: 1,
  CRIT: 2,
  ERR: 3,
  WARNING: 4,
  NOTICE: 5,
  INFO: 6,
  DEBUG: 7,
} as const
export type SyslogPriority = (typeof SyslogPriority)[keyof typeof SyslogPriority]

/** A log level outside 0–6 (spec §2.6: upstream rejects > 6 with `Invalid log level`). */
export class InvalidLogLevelError extends RangeError {
  override readonly name = 'InvalidLogLevelError'
  constructor(readonly level: unknown) {
    super(`Invalid log level: ${String(level)} (allowed 0-${MAX_LOG_LEVEL})`)
  }
}

/** Check a 0–6 log level (spec §2.6). */
export function checkLogLevel(level: number): number {
  if (!Number.isInteger(level) || level < 0 || level > MAX_LOG_LEVEL) {
    throw new InvalidLogLevelError(level)
  }
  return level
}

/**
 * Remove control characters (< 0x20 and DEL) and trailing white space, cap the length
 * (spec §2.11). Newlines inside become a single space.
 */
export function cleanLogText(text: string): string {
  // eslint-disable-next-line no-control-regex
  let out = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trimEnd()
  if (out.length > MAX_MESSAGE_LENGTH) out = out.slice(0, MAX_MESSAGE_LENGTH) + ' [truncated]'
  return out
}

/** syslog priority of a LogCategory (journald PRIORITY=, `<N>` prefixes, syslog). */
export function categoryPriority(category: number): SyslogPriority {
  switch (category) {
    case LogCategory.DEBUG:
    case LogCategory.VERB2:
      return SyslogPriority.DEBUG
    case LogCategory.VERB1:
      return SyslogPriority.INFO
    case LogCategory.INFO:
      return SyslogPriority.NOTICE
    case LogCategory.WARN:
      return SyslogPriority.WARNING
    case LogCategory.ERROR:
      return SyslogPriority.ERR
    case LogCategory.CRIT:
      return SyslogPriority.CRIT
    case LogCategory.FATAL:
      return SyslogPriority.ALERT
    default:
      return SyslogPriority.INFO
  }
}

/** `<group display> <category display>: ` (upstream LogPrefix, spec §2.6). */
export function groupCategoryPrefix(group: number, category: number): string {
  return `${LogGroup.display(group) ?? LogGroup.display(0)} ${LogCategory.display(category) ?? LogCategory.display(0)}: `
}

/** One log event as the writers see it (after cleaning and scrubbing). */
export interface LogEvent {
  group: number
  category: number
  message: string
  /** backend session token, when the line belongs to a session */
  sessionToken?: string
  /** who sent it: a service name or a log tag `{tag:…}` */
  tag?: string
  /** object path it came from */
  path?: string
  time?: Date
}

export interface LineFormat {
  /** prefix with an ISO time stamp */
  timestamp?: boolean
  /** prefix with the event's tag */
  tag?: boolean
}

/**
 * Plain text line (no newline):
 * `[time ]{tag} <group> <category>: message[ {session:token}]`.
 */
export function formatLogLine(ev: LogEvent, fmt: LineFormat = {}): string {
  let line = ''
  if (fmt.timestamp) line += `${(ev.time ?? new Date()).toISOString()} `
  if (fmt.tag && ev.tag) line += `${ev.tag} `
  line += groupCategoryPrefix(ev.group, ev.category) + ev.message
  if (ev.sessionToken) line += ` {session:${ev.sessionToken}}`
  return line
}

/** Journal-friendly line: `<N>` sd-daemon priority prefix + formatLogLine (no newline). */
export function journalLine(ev: LogEvent, fmt: LineFormat = {}): string {
  return `<${categoryPriority(ev.category)}>${formatLogLine(ev, fmt)}`
}
