/**
 * The log service's writers, built on winston (issue 7, libraries.md §4): journal-friendly
 * stdout with sd-daemon `<N>` priority prefixes (`--journald`, for a systemd unit with
 * `StandardOutput=journal`), plain stdout (`stdout:`), a log file reopened on SIGHUP
 * (file-transport.ts) and syslog through util-linux `logger` (syslog-transport.ts). The method is chosen by options.ts (command line / log-service.json).
 * Lines arrive already filtered, cleaned and scrubbed; the format step only lays them out.
 */
import winston from 'winston'
import type { LogEvent } from '@openvpn3-ts/dbus'
import { categoryPriority, formatLogLine } from '@openvpn3-ts/dbus'
import { LogMethod } from '../constants.js'
import { ReopenableFileTransport } from './file-transport.js'
import { SyslogProcessTransport } from './syslog-transport.js'
import type { SyslogOptions } from './syslog-transport.js'

/** winston level names by syslog priority (winston.config.syslog.levels). */
const LEVEL_BY_PRIORITY = ['emerg', 'alert', 'crit', 'error', 'warning', 'notice', 'info', 'debug']
/** ANSI colours by syslog priority (for `--colour`). */
const COLOUR_BY_PRIORITY = ['1;31', '1;31', '1;31', '31', '33', '1', '', '2']

export interface WriterOptions {
  method: LogMethod
  logFile?: string
  colour?: boolean
  /** with method `syslog` */
  syslog?: SyslogOptions
  /** stdout replacement (tests) */
  stream?: NodeJS.WritableStream
}

export interface LineLayout {
  timestamp: boolean
  tag: boolean
}

/** Where the log service writes. */
export class LogWriter {
  readonly method: LogMethod
  readonly #logger: winston.Logger
  readonly #file: ReopenableFileTransport | undefined
  readonly #syslog: SyslogProcessTransport | undefined
  readonly #colour: boolean
  #closed = false

  constructor(opts: WriterOptions) {
    this.method = opts.method
    this.#colour = opts.colour ?? false
    const journal = opts.method === LogMethod.journald
    // `<N>` goes first so journald reads the priority (SyslogLevelPrefix=yes)
    const layout = winston.format.printf((info) => {
      const p = Number(info['priority'])
      const text = String(info.message)
      return journal ? `<${p}>${text}` : text
    })
    let transport: winston.transport
    if (opts.method === LogMethod.logfile && opts.logFile !== undefined) {
      this.#file = new ReopenableFileTransport({ path: opts.logFile })
      transport = this.#file
    } else if (opts.method === LogMethod.syslog) {
      this.#syslog = new SyslogProcessTransport(opts.syslog ?? {})
      transport = this.#syslog
    } else {
      transport = new winston.transports.Stream({ stream: opts.stream ?? process.stdout })
    }
    this.#logger = winston.createLogger({
      levels: winston.config.syslog.levels,
      level: 'debug',
      format: layout,
      transports: [transport],
      exitOnError: false,
    })
    this.#logger.on('error', () => undefined)
  }

  /** Wait until the output is usable (log file opened); throws LogFileError. */
  async ready(): Promise<void> {
    await this.#file?.ready()
  }

  /** Lines written to the log file (for tests and statistics). */
  get fileLines(): number {
    return this.#file?.lines ?? 0
  }

  /** Write one event (and optional extra detail lines, e.g. D-Bus meta data). */
  write(ev: LogEvent, layout: LineLayout): void {
    if (this.#closed) return
    const priority = categoryPriority(ev.category)
    let text = formatLogLine(ev, layout)
    if (this.#colour) {
      const c = COLOUR_BY_PRIORITY[priority] ?? ''
      if (c !== '') text = `\x1b[${c}m${text}\x1b[0m`
    }
    this.#logger.log({
      level: LEVEL_BY_PRIORITY[priority] ?? 'info',
      message: text,
      priority,
    })
  }

  /** SIGHUP: reopen the log file (no-op for stdout). */
  async reopen(): Promise<void> {
    await this.#file?.reopen()
  }

  /** Flush everything and close the file. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    const finished = new Promise<void>((resolve) => {
      this.#logger.once('finish', () => resolve())
      setTimeout(resolve, 5000).unref()
    })
    this.#logger.end()
    await finished
    await this.#file?.closeFile()
    await this.#syslog?.closeSyslog()
  }
}
