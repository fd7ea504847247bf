/**
 * The one logging layer every service and the backend use (issue 7; spec §1.5, §2.5, §2.6,
 * §2.11, §8.2). A `ServiceLogger`:
 *
 * - tags each line with the service's LogGroup and a LogCategory, filters it by the 0–6 log
 *   level exactly as upstream's logfilter does, cleans it (spec §2.11) and scrubs secrets
 *   (scrub.ts) — whatever the caller passed in;
 * - sends it as a `Log` signal from the emitting object's path on the service's interface,
 *   unicast to the log service's unique name (targets.ts), `(uus)` — or `(uuss)` with the
 *   session token for the backend, which also sends a copy to the session manager;
 * - sends `StatusChange (uus)` the same way (session objects, backend);
 * - writes a local copy through an optional sink (journal-style `<N>` lines on stderr for
 *   systemd units, see sinks.ts);
 * - remembers the last line (session `last_log`, backend `last_log_line`).
 *
 * Usable before the bus is up (lines then go to the local sink only); `connect()` starts
 * signal delivery, `close()` detaches.
 */
import type { DBusConnection } from '../bus.js'
import { Message } from '../dbusnext.js'
import { LogCategory, logCategoryPasses } from '../enums.js'
import { BusName } from '../names.js'
import { checkLogLevel, cleanLogText } from './format.js'
import type { LogEvent } from './format.js'
import { SecretScrubber } from './scrub.js'
import { LogTargets } from './targets.js'

/** Receives every line that passed the level filter, cleaned and scrubbed. */
export type LogSink = (ev: LogEvent) => void

export interface ServiceLoggerInit {
  /** LogGroup of this service (spec §2.5), e.g. LogGroup.NETCFG */
  group: number
  /** program name, e.g. `openvpn3-service-netcfg`; tags local lines */
  serviceName: string
  /** interface the Log/StatusChange signals are sent on (and attached with) */
  interface: string
  /** default object path of the signals (the main object) */
  path: string
  /** 0–6, default 3 (spec §8.1 and the services' defaults) */
  level?: number
  /**
   * Backend client only: the session token; Log is then `(uuss)` with it (spec §2.11) and
   * every line carries it.
   */
  sessionToken?: string
  /** local copy of each line (default none) */
  sink?: LogSink
}

export interface LoggerConnectOptions {
  /** `Attach` to the log service (default true: spec §8.2, every service attaches) */
  attach?: boolean
  /** activate the log service through the bus if it is not running (default false) */
  activate?: boolean
  /**
   * Further well-known names that get a unicast copy of every signal; the backend passes
   * `BusName.sessions` (spec §1.5).
   */
  extraTargets?: readonly string[]
}

/** Per-line options. */
export interface LineOptions {
  /** emitting object's path (default: the logger's path) */
  path?: string
  /** LogGroup override (the backend uses CLIENT for VPN events, BACKENDPROC for its own) */
  group?: number
  sessionToken?: string
  /** appended as `: <message> (cause: …)` */
  error?: unknown
}

/** Shape shared by the logger and its children. */
export interface Logger {
  log(category: number, message: string, opts?: LineOptions): void
  debug(message: string, opts?: LineOptions): void
  verb2(message: string, opts?: LineOptions): void
  verb1(message: string, opts?: LineOptions): void
  info(message: string, opts?: LineOptions): void
  warn(message: string, opts?: LineOptions): void
  error(message: string, opts?: LineOptions): void
  critical(message: string, opts?: LineOptions): void
  fatal(message: string, opts?: LineOptions): void
  /** `StatusChange (uus)` to the log service (and extra targets), from `path` */
  statusChange(major: number, minor: number, message: string, opts?: { path?: string }): void
  /** a logger whose lines default to these options */
  child(defaults: Omit<LineOptions, 'error'>): Logger
}

/** Message text of an error with its cause chain (bounded). */
export function describeError(err: unknown): string {
  const parts: string[] = []
  let e: unknown = err
  for (let i = 0; i < 4 && e !== undefined && e !== null; i++) {
    parts.push(e instanceof Error ? e.message : typeof e === 'string' ? e : JSON.stringify(e))
    e = e instanceof Error ? e.cause : undefined
  }
  return parts.join(' (cause: ') + ')'.repeat(Math.max(0, parts.length - 1))
}

abstract class LoggerBase implements Logger {
  abstract log(category: number, message: string, opts?: LineOptions): void
  abstract statusChange(
    major: number,
    minor: number,
    message: string,
    opts?: { path?: string }
  ): void
  abstract child(defaults: Omit<LineOptions, 'error'>): Logger
  debug(m: string, o?: LineOptions): void {
    this.log(LogCategory.DEBUG, m, o)
  }
  verb2(m: string, o?: LineOptions): void {
    this.log(LogCategory.VERB2, m, o)
  }
  verb1(m: string, o?: LineOptions): void {
    this.log(LogCategory.VERB1, m, o)
  }
  info(m: string, o?: LineOptions): void {
    this.log(LogCategory.INFO, m, o)
  }
  warn(m: string, o?: LineOptions): void {
    this.log(LogCategory.WARN, m, o)
  }
  error(m: string, o?: LineOptions): void {
    this.log(LogCategory.ERROR, m, o)
  }
  critical(m: string, o?: LineOptions): void {
    this.log(LogCategory.CRIT, m, o)
  }
  fatal(m: string, o?: LineOptions): void {
    this.log(LogCategory.FATAL, m, o)
  }
}

class ChildLogger extends LoggerBase {
  constructor(
    private readonly parent: ServiceLogger,
    private readonly defaults: Omit<LineOptions, 'error'>
  ) {
    super()
  }
  log(category: number, message: string, opts: LineOptions = {}): void {
    this.parent.log(category, message, { ...this.defaults, ...opts })
  }
  statusChange(major: number, minor: number, message: string, opts: { path?: string } = {}): void {
    const path = opts.path ?? this.defaults.path
    this.parent.statusChange(major, minor, message, path !== undefined ? { path } : {})
  }
  child(defaults: Omit<LineOptions, 'error'>): Logger {
    return new ChildLogger(this.parent, { ...this.defaults, ...defaults })
  }
}

/** The logging layer of one service process. */
export class ServiceLogger extends LoggerBase {
  /** known secret values (shared by all children); add with `addSecret` */
  readonly scrubber = new SecretScrubber()
  readonly #init: ServiceLoggerInit
  #level: number
  #sink: LogSink | undefined
  #conn: DBusConnection | undefined
  #targets: LogTargets | undefined
  #last: LogEvent | undefined
  readonly #listeners = new Set<LogSink>()

  constructor(init: ServiceLoggerInit) {
    super()
    this.#init = init
    this.#level = checkLogLevel(init.level ?? 3)
    this.#sink = init.sink
  }

  get group(): number {
    return this.#init.group
  }
  get serviceName(): string {
    return this.#init.serviceName
  }
  get interface(): string {
    return this.#init.interface
  }
  get path(): string {
    return this.#init.path
  }

  /** 0–6; setting anything else throws InvalidLogLevelError (spec §2.6). */
  get level(): number {
    return this.#level
  }
  set level(level: number) {
    this.#level = checkLogLevel(level)
  }

  /** Replace the local sink (e.g. after parsing options). */
  setSink(sink: LogSink | undefined): void {
    this.#sink = sink
  }

  /** The last line that passed the filter (for `last_log`/`last_log_line`). */
  get lastLine(): LogEvent | undefined {
    return this.#last
  }

  /** Unique name of the log service we deliver to ('' when none). */
  get logService(): string {
    return this.#targets?.logService ?? ''
  }

  /** Lines dropped while waiting for the log service to accept our Attach. */
  get droppedLines(): number {
    return this.#targets?.dropped ?? 0
  }

  /** Register a value that must never be logged (password, CRV1 response, auth-token, key). */
  addSecret(secret: string): void {
    this.scrubber.add(secret)
  }

  /** Listen to every line (after filtering, cleaning, scrubbing). Returns the remover. */
  onLine(listener: LogSink): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * Start sending signals on `conn`: follow the log service's owner, attach (default),
   * and hold lines back until attached. Resolves once the first attach is done.
   */
  async connect(conn: DBusConnection, opts: LoggerConnectOptions = {}): Promise<void> {
    if (this.#targets) throw new Error('ServiceLogger is already connected')
    this.#conn = conn
    const attach = opts.attach ?? true
    this.#targets = new LogTargets(conn, {
      names: [BusName.log, ...(opts.extraTargets ?? [])],
      ...(attach ? { attachInterface: this.#init.interface } : {}),
      activate: opts.activate ?? false,
      onError: (what, err) =>
        this.#local({
          group: this.#init.group,
          category: LogCategory.WARN,
          message: this.#clean(`${what} failed: ${describeError(err)}`),
          tag: this.#init.serviceName,
          path: this.#init.path,
          time: new Date(),
        }),
    })
    await this.#targets.start()
  }

  /** Backend: link `sessionPath` to our log subscription (spec §8.2 AssignSession). */
  async assignSession(sessionPath: string): Promise<void> {
    await this.#targets?.assignSession(sessionPath)
  }

  /** Stop sending signals; `Detach` from the log service (default). Idempotent. */
  async close(opts: { detach?: boolean } = {}): Promise<void> {
    const t = this.#targets
    this.#targets = undefined
    this.#conn = undefined
    await t?.close(opts)
  }

  #clean(text: string): string {
    return this.scrubber.scrub(cleanLogText(text))
  }

  #local(ev: LogEvent): void {
    try {
      this.#sink?.(ev)
    } catch {
      // a broken local sink must not break the service
    }
  }

  log(category: number, message: string, opts: LineOptions = {}): void {
    if (!logCategoryPasses(this.#level, category)) return
    const text = opts.error !== undefined ? `${message}: ${describeError(opts.error)}` : message
    const group = opts.group ?? this.#init.group
    const path = opts.path ?? this.#init.path
    const token = opts.sessionToken ?? this.#init.sessionToken
    const ev: LogEvent = {
      group,
      category,
      message: this.#clean(text),
      tag: this.#init.serviceName,
      path,
      time: new Date(),
      ...(token !== undefined ? { sessionToken: token } : {}),
    }
    this.#last = ev
    this.#local(ev)
    for (const l of this.#listeners) {
      try {
        l(ev)
      } catch {
        // listeners must not break logging
      }
    }
    const targets = this.#targets
    if (!targets) return
    const iface = this.#init.interface
    const withToken = this.#init.sessionToken !== undefined
    targets.deliver((destination) => {
      const msg = withToken
        ? Message.newSignal(path, iface, 'Log', 'uuss', [group, category, token ?? '', ev.message])
        : Message.newSignal(path, iface, 'Log', 'uus', [group, category, ev.message])
      msg.destination = destination
      return msg
    })
  }

  statusChange(major: number, minor: number, message: string, opts: { path?: string } = {}): void {
    const targets = this.#targets
    if (!targets || !this.#conn) return
    const path = opts.path ?? this.#init.path
    const iface = this.#init.interface
    const text = this.#clean(message)
    targets.deliver((destination) => {
      const msg = Message.newSignal(path, iface, 'StatusChange', 'uus', [major, minor, text])
      msg.destination = destination
      return msg
    })
  }

  child(defaults: Omit<LineOptions, 'error'>): Logger {
    return new ChildLogger(this, defaults)
  }

  /** For `ServiceHost`'s `onHandlerError`: logs unexpected handler failures as errors. */
  readonly handlerError = (err: unknown, where: string): void => {
    this.error(`Unexpected failure in ${where}`, { error: err })
  }
}
