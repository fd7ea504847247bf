/**
 * Where Log/StatusChange signals go (spec §1.5): unicast to the *unique* name that owns
 * `net.openvpn.v3.log` (and, for a backend, also the owner of `net.openvpn.v3.sessions`).
 * Owners are looked up with GetNameOwner and followed through NameOwnerChanged, so a
 * restarted log service is found again. When a log-service owner appears we `Attach` to it
 * (spec §8.2: every service attaches itself at start) and re-send `AssignSession` for the
 * session paths assigned so far; lines logged while attaching are held back (bounded) and
 * delivered once the log service knows us, so start-up lines are not dropped.
 */
import type { DBusConnection } from '../bus.js'
import type { Message } from '../dbusnext.js'
import { DBusCallError } from '../errors.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'

/** Lines held back while attaching; older ones are dropped beyond this. */
export const MAX_PENDING_LINES = 2000
const DEFAULT_ATTACH_TIMEOUT_MS = 5000
const DBUS = 'org.freedesktop.DBus'

export interface LogTargetsInit {
  /** well-known names whose owners get a unicast copy (default: the log service only) */
  names?: readonly string[]
  /** `Attach(interface)` to each new log-service owner; absent = never attach */
  attachInterface?: string
  /** when the log service is not running at start, activate it through the bus (default false) */
  activate?: boolean
  attachTimeoutMs?: number
  /** told about attach / assign failures (never throws into the logger) */
  onError?: (what: string, err: unknown) => void
}

/** Tracks the current unique owners of the target names and delivers messages to them. */
export class LogTargets {
  readonly #conn: DBusConnection
  readonly #init: LogTargetsInit
  readonly #names: readonly string[]
  /** well-known name → current unique owner ('' = none) */
  readonly #owners = new Map<string, string>()
  /** names whose owner changed since we asked GetNameOwner (newer than the reply) */
  readonly #seen = new Set<string>()
  readonly #assigned = new Set<string>()
  readonly #unsubscribe: (() => Promise<void>)[] = []
  #attaching: Promise<void> | undefined
  #pending: ((dest: string) => Message)[] = []
  #dropped = 0
  #closed = false

  constructor(conn: DBusConnection, init: LogTargetsInit = {}) {
    this.#conn = conn
    this.#init = init
    this.#names = init.names ?? [BusName.log]
  }

  /** Start following the owners; resolves once the first attach (if any) is done. */
  async start(): Promise<void> {
    for (const name of this.#names) {
      this.#owners.set(name, '')
      this.#unsubscribe.push(
        await this.#conn.signals.subscribe(
          { sender: DBUS, interface: DBUS, member: 'NameOwnerChanged', arg0: name },
          (msg) => {
            if (msg.body[0] !== name) return
            this.#seen.add(name)
            this.#ownerChanged(name, typeof msg.body[2] === 'string' ? msg.body[2] : '')
          }
        )
      )
    }
    for (const name of this.#names) {
      let owner = ''
      try {
        const r = await this.#conn.callDaemon('GetNameOwner', 's', [name])
        owner = typeof r.body[0] === 'string' ? r.body[0] : ''
      } catch {
        // NameHasNoOwner
      }
      if (!this.#seen.has(name)) this.#ownerChanged(name, owner)
    }
    if (this.#init.activate && this.#owners.get(BusName.log) === '' && this.#init.attachInterface) {
      // bus activation: calling the well-known name starts the service; its
      // NameOwnerChanged then triggers a (harmless, "Already attached") re-attach
      await this.#attachTo(BusName.log)
    }
    await this.#attaching
  }

  /** Current unique name of the log service ('' if none). */
  get logService(): string {
    return this.#owners.get(BusName.log) ?? ''
  }

  /** Lines dropped because the hold-back queue was full. */
  get dropped(): number {
    return this.#dropped
  }

  /** Unique names that currently receive copies. */
  get destinations(): string[] {
    return [...new Set([...this.#owners.values()].filter((o) => o !== ''))]
  }

  /** Send one message (built per destination) to every current target. */
  deliver(build: (destination: string) => Message): void {
    if (this.#closed || this.#conn.isClosed) return
    if (this.#attaching) {
      this.#pending.push(build)
      if (this.#pending.length > MAX_PENDING_LINES) {
        this.#pending.shift()
        this.#dropped++
      }
      return
    }
    for (const dest of this.destinations) this.#send(build(dest))
  }

  #send(msg: Message): void {
    try {
      this.#conn.send(msg)
    } catch {
      // connection gone: nothing to deliver to
    }
  }

  /**
   * Backend only (spec §8.2): link `sessionPath` to our subscription so the session
   * manager can ask for its logs to be forwarded. Re-sent to a restarted log service.
   */
  async assignSession(sessionPath: string): Promise<void> {
    this.#assigned.add(sessionPath)
    await this.#attaching
    const owner = this.logService
    if (owner) await this.#assign(owner, sessionPath)
  }

  /** Stop following owners; `Detach` from the log service when attached. */
  async close(opts: { detach?: boolean } = {}): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#pending = []
    for (const off of this.#unsubscribe.splice(0)) await off().catch(() => undefined)
    const owner = this.logService
    if ((opts.detach ?? true) && owner && this.#init.attachInterface && !this.#conn.isClosed) {
      await this.#conn
        .call({
          destination: owner,
          path: ObjectPath.log,
          interface: InterfaceName.log,
          member: 'Detach',
          signature: 's',
          body: [this.#init.attachInterface],
          timeoutMs: 2000,
        })
        .catch(() => undefined)
    }
  }

  #ownerChanged(name: string, owner: string): void {
    if (this.#closed || this.#owners.get(name) === owner) return
    this.#owners.set(name, owner)
    if (name !== BusName.log || !this.#init.attachInterface || owner === '') return
    const attach = this.#attachTo(owner).then(async () => {
      for (const path of this.#assigned) await this.#assign(owner, path)
    })
    const round: Promise<void> = attach.finally(() => {
      if (this.#attaching === round) {
        this.#attaching = undefined
        this.#flush()
      }
    })
    this.#attaching = round
  }

  #flush(): void {
    const pending = this.#pending
    this.#pending = []
    for (const build of pending) this.deliver(build)
  }

  async #attachTo(destination: string): Promise<void> {
    try {
      await this.#conn.call({
        destination,
        path: ObjectPath.log,
        interface: InterfaceName.log,
        member: 'Attach',
        signature: 's',
        body: [this.#init.attachInterface ?? ''],
        timeoutMs: this.#init.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS,
      })
    } catch (err) {
      if (err instanceof DBusCallError && err.text.endsWith('Already attached')) return
      this.#init.onError?.(`Attach to the log service (${destination})`, err)
    }
  }

  async #assign(owner: string, sessionPath: string): Promise<void> {
    try {
      await this.#conn.call({
        destination: owner,
        path: ObjectPath.log,
        interface: InterfaceName.log,
        member: 'AssignSession',
        signature: 'os',
        body: [sessionPath, this.#init.attachInterface ?? ''],
        timeoutMs: this.#init.attachTimeoutMs ?? DEFAULT_ATTACH_TIMEOUT_MS,
      })
    } catch (err) {
      this.#init.onError?.(`AssignSession ${sessionPath}`, err)
    }
  }
}
