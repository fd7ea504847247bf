/**
 * Watching one session over D-Bus (spec dbus-api.md §1.5, §4.2, §8.3): subscribe to the
 * forwarded `StatusChange` (sender `net.openvpn.v3.log`, interface `net.openvpn.v3.backends`,
 * path = session path), then ask for forwarding with `LogForward(true)`; when that is refused
 * (not the owner while `restrict_log_access`), poll the session's `status` property instead.
 * Either way the current `status` is read once at start. Also reads the session facts
 * (`config_name`, `device_name`, `connected_to`, `owner`, `session_created`, `session_name`)
 * and `statistics`. All values from the bus are checked (zod) and cleaned. A polled session
 * whose `status` cannot be read three times in a row counts as vanished.
 */
import { z } from 'zod'
import { BusName, InterfaceName, proxy, sessionObjectInterface } from '@openvpn3-ts/dbus'
import type { DBusConnection } from '@openvpn3-ts/dbus'
import type { SessionFacts } from './events.js'
import { cleanText } from './sanitize.js'

export type StatusHandler = (major: number, minor: number, message: string) => void

const statusBody = z.tuple([z.number().int(), z.number().int(), z.string()])
const connectedTo = z.tuple([z.string(), z.string(), z.number().int()])
const statistics = z.record(z.string(), z.bigint())

/** consecutive failed `status` reads before a polled session counts as gone */
export const MAX_POLL_FAILURES = 3

export class SessionNotVisibleError extends Error {
  override readonly name = 'SessionNotVisibleError'
}

export interface SessionWatchOptions {
  /** polling interval when LogForward is refused (ms) */
  pollMs: number
  onStatus: StatusHandler
  /** the session could no longer be read while polling (gone or access lost) */
  onVanished: () => void
  log: (line: string) => void
}

export class SessionWatch {
  readonly #conn: DBusConnection
  readonly #opts: SessionWatchOptions
  readonly #session
  readonly #offs: (() => Promise<void>)[] = []
  #pollTimer: NodeJS.Timeout | undefined
  #forwarding = false
  #stopped = false
  #last = ''
  #failures = 0

  constructor(
    conn: DBusConnection,
    readonly path: string,
    opts: SessionWatchOptions
  ) {
    this.#conn = conn
    this.#opts = opts
    this.#session = proxy(conn, BusName.sessions, path, sessionObjectInterface, {
      timeoutMs: 5000,
    })
  }

  /** 'forward' or 'poll': how status changes arrive */
  get mode(): 'forward' | 'poll' {
    return this.#forwarding ? 'forward' : 'poll'
  }

  /**
   * Starts watching. Throws SessionNotVisibleError when the session's properties cannot be
   * read by this user (not ours) or it is already gone.
   */
  async start(): Promise<void> {
    try {
      await this.#session.$get('owner')
    } catch (err) {
      throw new SessionNotVisibleError(`session ${this.path} not readable`, { cause: err })
    }
    const off = await this.#conn.signals.subscribe(
      {
        sender: BusName.log,
        interface: InterfaceName.backends,
        path: this.path,
        member: 'StatusChange',
      },
      (msg) => {
        const parsed = statusBody.safeParse(msg.body)
        if (!parsed.success || this.#stopped) return
        this.#deliver(...parsed.data)
      }
    )
    this.#offs.push(off)
    try {
      await this.#session.LogForward(true)
      this.#forwarding = true
    } catch (err) {
      this.#opts.log(
        `${this.path}: LogForward refused (${cleanText(String((err as Error).message), 200)}); polling status every ${this.#opts.pollMs} ms`
      )
      await off().catch(() => undefined)
      this.#offs.length = 0
    }
    await this.#readStatus()
    if (!this.#forwarding) this.#schedulePoll()
  }

  #deliver(major: number, minor: number, message: string): void {
    this.#last = `${major}/${minor}/${message}`
    this.#opts.onStatus(major, minor, cleanText(message))
  }

  async #readStatus(): Promise<boolean> {
    try {
      const st = statusBody.parse(await this.#session.$get('status'))
      const key = `${st[0]}/${st[1]}/${st[2]}`
      if (key !== this.#last && !this.#stopped) this.#deliver(...st)
      return true
    } catch {
      return false
    }
  }

  #schedulePoll(): void {
    if (this.#stopped) return
    this.#pollTimer = setTimeout(() => {
      void this.#readStatus().then((ok) => {
        if (this.#stopped) return
        // one failed read may be a slow bus; three in a row: the session is gone for us
        this.#failures = ok ? 0 : this.#failures + 1
        if (this.#failures >= MAX_POLL_FAILURES) {
          this.#opts.onVanished()
          return
        }
        this.#schedulePoll()
      })
    }, this.#opts.pollMs)
  }

  /**
   * After the session manager got a new owner (restart): renew `LogForward` (the new
   * instance may not know our forward) and re-read `status`. Returns false when the
   * session can no longer be read (gone).
   */
  async refresh(): Promise<boolean> {
    if (this.#stopped) return true
    try {
      await this.#session.$get('owner')
    } catch {
      return false
    }
    if (this.#forwarding) await this.#session.LogForward(true).catch(() => undefined)
    await this.#readStatus()
    return true
  }

  /** Reads the facts hooks get; each property read is best-effort. */
  async readFacts(): Promise<SessionFacts> {
    const s = this.#session
    const get = async <T>(p: Promise<unknown>, schema: z.ZodType<T>): Promise<T | undefined> => {
      try {
        const r = schema.safeParse(await p)
        return r.success ? r.data : undefined
      } catch {
        return undefined
      }
    }
    const [configName, sessionName, device, conn, owner, created] = await Promise.all([
      get(s.$get('config_name'), z.string()),
      get(s.$get('session_name'), z.string()),
      get(s.$get('device_name'), z.string()),
      get(s.$get('connected_to'), connectedTo),
      get(s.$get('owner'), z.number().int()),
      get(s.$get('session_created'), z.bigint()),
    ])
    const facts: SessionFacts = { sessionPath: this.path }
    if (configName !== undefined) facts.configName = cleanText(configName)
    if (sessionName !== undefined) facts.sessionName = cleanText(sessionName)
    if (device !== undefined) facts.device = cleanText(device)
    if (conn !== undefined) {
      facts.proto = cleanText(conn[0])
      facts.serverIp = cleanText(conn[1])
      facts.serverPort = conn[2]
    }
    if (owner !== undefined) facts.owner = owner
    if (created !== undefined) facts.created = created
    return facts
  }

  /** Current `statistics`, or undefined when it cannot be read. */
  async readStatistics(timeoutMs = 2000): Promise<Record<string, bigint> | undefined> {
    try {
      const r = statistics.safeParse(await this.#session.$get('statistics', { timeoutMs }))
      return r.success ? r.data : undefined
    } catch {
      return undefined
    }
  }

  /** Stops polling/forwarding; `LogForward(false)` when the session still exists. */
  async stop(sessionGone: boolean): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    if (this.#pollTimer) clearTimeout(this.#pollTimer)
    if (this.#forwarding && !sessionGone && !this.#conn.isClosed) {
      await this.#session.$call('LogForward', [false], { timeoutMs: 3000 }).catch(() => undefined)
    }
    for (const off of this.#offs) await off().catch(() => undefined)
  }
}
