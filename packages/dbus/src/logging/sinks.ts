/**
 * Local sinks for the logging layer (logger.ts): where a service writes its own copy of each
 * line besides the Log signal. `journalSink` writes journal-friendly lines with sd-daemon
 * `<N>` priority prefixes (sd-daemon(3)), suitable for a systemd unit with
 * `StandardOutput=journal` / `StandardError=journal`; `plainSink` writes plain lines for a
 * terminal. No dependencies: the log service's own writers (winston) live in @openvpn3-ts/log.
 */
import { formatLogLine, journalLine } from './format.js'
import type { LineFormat, LogEvent } from './format.js'
import type { LogSink } from './logger.js'

export interface StreamSinkOptions extends LineFormat {
  /** default process.stderr */
  stream?: { write(chunk: string): unknown }
}

/** `<N>[tag ]<group> <category>: message` lines (tag on by default: the service name). */
export function journalSink(opts: StreamSinkOptions = {}): LogSink {
  const stream = opts.stream ?? process.stderr
  const fmt: LineFormat = { tag: opts.tag ?? true, timestamp: opts.timestamp ?? false }
  return (ev: LogEvent) => {
    stream.write(journalLine(ev, fmt) + '\n')
  }
}

/** Plain lines without a priority prefix (time stamps on by default). */
export function plainSink(opts: StreamSinkOptions = {}): LogSink {
  const stream = opts.stream ?? process.stderr
  const fmt: LineFormat = { tag: opts.tag ?? true, timestamp: opts.timestamp ?? true }
  return (ev: LogEvent) => {
    stream.write(formatLogLine(ev, fmt) + '\n')
  }
}
