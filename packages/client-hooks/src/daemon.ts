/**
 * The hooks daemon: follows the sessions visible to its user (spec dbus-api.md §4.1
 * `FetchAvailableSessions`, broadcast `SessionManagerEvent` SESS_CREATED/SESS_DESTROYED,
 * §1.5), tracks each one's status (session-watch.ts), and runs the connect/disconnect hooks
 * (tracker.ts policy) one event at a time, in the order the events happened.
 */
import { z } from 'zod'
import {
  BusName,
  InterfaceName,
  ObjectPath,
  SessionManagerEventType,
  proxy,
  sessionManagerInterface,
} from '@openvpn3-ts/dbus'
import type { DBusConnection } from '@openvpn3-ts/dbus'
import { buildHookEnv, type HookIdentity } from './env.js'
import type { HookEvent, SessionFacts } from './events.js'
import type { HooksOptions } from './options.js'
import { runParts, type RunPartsReport } from './runner.js'
import { cleanText } from './sanitize.js'
import { SessionNotVisibleError, SessionWatch } from './session-watch.js'
import { SessionTracker, type TrackerAction } from './tracker.js'

export interface DaemonLogger {
  info(line: string): void
  warn(line: string): void
  debug(line: string): void
}

interface Tracked {
  watch: SessionWatch
  tracker: SessionTracker
  facts: SessionFacts
  stats: Record<string, bigint>
  statsTimer: NodeJS.Timeout | undefined
}

const managerEvent = z.tuple([z.string(), z.number().int(), z.number().int()])

export class HooksDaemon {
  readonly #sessions = new Map<string, Tracked>()
  /** paths being set up (avoid double watches from list + signal) */
  readonly #pending = new Set<string>()
  #queue: Promise<void> = Promise.resolve()
  readonly #offs: (() => Promise<void>)[] = []
  #stopped = false

  constructor(
    private readonly conn: DBusConnection,
    private readonly opts: HooksOptions,
    private readonly id: HookIdentity & { uid: number },
    private readonly log: DaemonLogger
  ) {}

  /** Subscribes to manager events, then picks up the existing sessions. */
  async start(): Promise<void> {
    this.#offs.push(
      await this.conn.signals.subscribe(
        {
          sender: 'org.freedesktop.DBus',
          interface: 'org.freedesktop.DBus',
          member: 'NameOwnerChanged',
          arg0: BusName.sessions,
        },
        (msg) => {
          const owner = msg.body[2]
          if (typeof owner === 'string' && owner !== '') void this.#resync()
        }
      )
    )
    const off = await this.conn.signals.subscribe(
      {
        sender: BusName.sessions,
        interface: InterfaceName.sessions,
        path: ObjectPath.sessions,
        member: 'SessionManagerEvent',
      },
      (msg) => {
        const r = managerEvent.safeParse(msg.body)
        if (!r.success) return
        const [path, type] = r.data
        if (type === SessionManagerEventType.SESS_CREATED) void this.#follow(path)
        else if (type === SessionManagerEventType.SESS_DESTROYED) void this.#destroyed(path)
      }
    )
    this.#offs.push(off)
    await this.#fetchSessions()
    this.log.info(
      `watching sessions (connect hooks: ${this.opts.connectDir}, disconnect hooks: ${this.opts.disconnectDir})`
    )
  }

  /** Follows every session `FetchAvailableSessions` lists (no-op for known ones). */
  async #fetchSessions(): Promise<void> {
    const manager = proxy(this.conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
    let paths: string[] = []
    try {
      paths = await manager.FetchAvailableSessions()
    } catch (err) {
      // no session manager running yet: sessions will be announced by SESS_CREATED
      this.log.debug(`FetchAvailableSessions failed: ${cleanText(String(err), 300)}`)
    }
    for (const p of paths) await this.#follow(p)
  }

  /**
   * The session manager has a new owner (it restarted; sessions keep their paths): renew
   * forwarding and re-read the status of the sessions we follow, drop the ones that are
   * gone (their disconnect hooks run), and pick up sessions we did not know.
   */
  async #resync(): Promise<void> {
    if (this.#stopped) return
    this.log.info('session manager (re)started: re-checking sessions')
    for (const [path, entry] of [...this.#sessions]) {
      if (!(await entry.watch.refresh())) await this.#destroyed(path)
    }
    await this.#fetchSessions()
  }

  /** Number of sessions followed right now (tests, status). */
  get followed(): number {
    return this.#sessions.size
  }

  async #follow(path: string): Promise<void> {
    if (this.#stopped || this.#sessions.has(path) || this.#pending.has(path)) return
    this.#pending.add(path)
    const tracker = new SessionTracker()
    let entry: Tracked | undefined
    const early: [number, number, string][] = []
    const watch = new SessionWatch(this.conn, path, {
      pollMs: this.opts.pollMs,
      log: (l) => this.log.warn(l),
      onVanished: () => void this.#destroyed(path),
      onStatus: (major, minor, message) => {
        if (this.opts.verbose) this.log.debug(`${path}: status ${major}/${minor} ${message}`)
        if (!entry) {
          early.push([major, minor, message])
          return
        }
        this.#act(entry, tracker.status(major, minor, message))
      },
    })
    try {
      entry = { watch, tracker, facts: { sessionPath: path }, stats: {}, statsTimer: undefined }
      this.#sessions.set(path, entry)
      await watch.start()
      this.log.info(`following ${path} (${watch.mode})`)
      for (const [a, b, c] of early.splice(0)) this.#act(entry, tracker.status(a, b, c))
    } catch (err) {
      this.#sessions.delete(path)
      await watch.stop(true)
      if (err instanceof SessionNotVisibleError) this.log.debug(`ignoring ${path}: not visible`)
      else this.log.warn(`cannot follow ${path}: ${cleanText(String(err), 300)}`)
    } finally {
      this.#pending.delete(path)
    }
  }

  async #destroyed(path: string): Promise<void> {
    const entry = this.#sessions.get(path)
    if (!entry) return
    this.#sessions.delete(path)
    this.#act(entry, entry.tracker.destroyed(), true)
    await entry.watch.stop(true)
  }

  #act(entry: Tracked, action: TrackerAction | undefined, gone = false): void {
    if (!action) return
    if (action.kind === 'connect') {
      const at = Date.now()
      this.#enqueue(async () => {
        entry.facts = await entry.watch.readFacts()
        entry.stats = (await entry.watch.readStatistics()) ?? {}
        this.#startStats(entry)
        await this.#run({ kind: 'connect', facts: entry.facts, at })
      })
    } else {
      this.#stopStats(entry)
      this.#enqueue(async () => {
        if (!gone) {
          const fresh = await entry.watch.readStatistics(1000)
          if (fresh && Object.keys(fresh).length > 0) entry.stats = fresh
        }
        await this.#run({
          kind: 'disconnect',
          facts: entry.facts,
          reason: action.reason,
          message: action.message,
          statistics: entry.stats,
          connectedAt: action.connectedAt,
          at: Date.now(),
        })
      })
    }
  }

  #startStats(entry: Tracked): void {
    if (!entry.tracker.connected) return
    this.#stopStats(entry)
    entry.statsTimer = setInterval(() => {
      void entry.watch.readStatistics().then((s) => {
        if (s && Object.keys(s).length > 0) entry.stats = s
      })
    }, this.opts.statsMs)
  }

  #stopStats(entry: Tracked): void {
    if (entry.statsTimer) clearInterval(entry.statsTimer)
    entry.statsTimer = undefined
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queue = this.#queue.then(task).catch((err: unknown) => {
      this.log.warn(`hook task failed: ${cleanText(String(err), 300)}`)
    })
  }

  /** Resolves when every queued hook run has finished. */
  idle(): Promise<void> {
    return this.#queue
  }

  async #run(ev: HookEvent): Promise<void> {
    const dir = ev.kind === 'connect' ? this.opts.connectDir : this.opts.disconnectDir
    const env = buildHookEnv(ev, this.id)
    const what =
      ev.kind === 'connect'
        ? `connect ${ev.facts.sessionPath} (${env['OPENVPN3_CONFIG_NAME']})`
        : `disconnect ${ev.facts.sessionPath} (${env['OPENVPN3_CONFIG_NAME']}, ${env['OPENVPN3_REASON']})`
    this.log.info(what)
    const report = await runParts(dir, this.id.uid, env, {
      timeoutMs: this.opts.timeoutMs,
      maxOutput: this.opts.maxOutput,
    })
    this.#report(dir, report)
  }

  #report(dir: string, report: RunPartsReport): void {
    if (report.dirProblem) {
      const line = `hook directory ${dir}: ${report.dirProblem}`
      if (report.dirProblem === 'missing') this.log.debug(line)
      else this.log.warn(line)
    }
    for (const r of report.refused) this.log.warn(`refused hook ${r.path}: ${r.reason}`)
    for (const r of report.results) {
      const status = r.spawnError
        ? `could not start: ${r.spawnError}`
        : r.timedOut
          ? `timed out after ${r.durationMs} ms, process group killed`
          : r.code !== null
            ? `exit ${r.code}`
            : `killed by ${r.signal ?? '?'}`
      const ok = !r.spawnError && !r.timedOut && r.code === 0
      const line = `hook ${r.path}: ${status}`
      if (ok) this.log.info(line)
      else this.log.warn(line)
      if (r.output) {
        for (const l of r.output.split('\n')) this.log.info(`  ${r.path}: ${l}`)
        if (r.truncated) this.log.info(`  ${r.path}: (output truncated)`)
      }
    }
  }

  /** Stops watching (LogForward(false) for live sessions); waits for running hooks. */
  async stop(): Promise<void> {
    this.#stopped = true
    for (const off of this.#offs) await off().catch(() => undefined)
    for (const entry of this.#sessions.values()) {
      this.#stopStats(entry)
      await entry.watch.stop(false)
    }
    this.#sessions.clear()
    await this.#queue
  }
}
