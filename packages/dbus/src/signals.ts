/**
 * Low-level signal subscriptions: one match rule per subscription (refcounted by the
 * fixed `_addMatch`/`_removeMatch`), dispatch from `bus.on('message')`. Used instead of
 * dbus-next's proxy `.on()`, which misses the first signal of a fresh sender
 * (libraries.md §1.2(d)). A well-known `sender` is resolved to its current owner, kept
 * up to date through NameOwnerChanged.
 */
import { MessageType } from './dbusnext.js'
import type { Message } from './dbusnext.js'
import type { DBusConnection } from './bus.js'

export interface MatchSpec {
  /** unique or well-known name */
  sender?: string
  path?: string
  interface?: string
  member?: string
  /** first string argument (e.g. the name in NameOwnerChanged) */
  arg0?: string
}

export type SignalHandler = (msg: Message) => void

interface Sub {
  spec: MatchSpec
  rule: string
  handler: SignalHandler
}

const quote = (v: string) => `'${v.replaceAll("'", "'\\''")}'`

/** Match-rule text for a signal subscription. */
export function matchRule(spec: MatchSpec): string {
  const parts = ["type='signal'"]
  if (spec.sender !== undefined) parts.push(`sender=${quote(spec.sender)}`)
  if (spec.path !== undefined) parts.push(`path=${quote(spec.path)}`)
  if (spec.interface !== undefined) parts.push(`interface=${quote(spec.interface)}`)
  if (spec.member !== undefined) parts.push(`member=${quote(spec.member)}`)
  if (spec.arg0 !== undefined) parts.push(`arg0=${quote(spec.arg0)}`)
  return parts.join(',')
}

const DBUS = 'org.freedesktop.DBus'

export class SignalRouter {
  readonly #subs = new Set<Sub>()
  /** well-known name → current unique owner ('' = none), for sender filtering */
  readonly #owners = new Map<string, string>()
  readonly #ownerRefs = new Map<string, number>()
  readonly #onMessage = (msg: Message) => this.#dispatch(msg)
  #attached = false

  constructor(private readonly conn: DBusConnection) {}

  #attach(): void {
    if (this.#attached) return
    this.#attached = true
    this.conn.raw.on('message', this.#onMessage)
  }

  dispose(): void {
    this.conn.raw.removeListener('message', this.#onMessage)
    this.#subs.clear()
  }

  #dispatch(msg: Message): void {
    if (msg.type !== MessageType.SIGNAL) return
    if (
      msg.sender === DBUS &&
      msg.interface === DBUS &&
      msg.member === 'NameOwnerChanged' &&
      typeof msg.body[0] === 'string' &&
      this.#owners.has(msg.body[0])
    ) {
      this.#owners.set(msg.body[0], typeof msg.body[2] === 'string' ? msg.body[2] : '')
    }
    for (const sub of [...this.#subs]) {
      if (this.#subs.has(sub) && this.#matches(sub.spec, msg)) {
        try {
          sub.handler(msg)
        } catch (err) {
          // A subscriber bug must not break dispatch to the others; surface it async.
          queueMicrotask(() => {
            throw err
          })
        }
      }
    }
  }

  #matches(spec: MatchSpec, msg: Message): boolean {
    if (spec.path !== undefined && spec.path !== msg.path) return false
    if (spec.interface !== undefined && spec.interface !== msg.interface) return false
    if (spec.member !== undefined && spec.member !== msg.member) return false
    if (spec.arg0 !== undefined && spec.arg0 !== msg.body[0]) return false
    if (spec.sender !== undefined && spec.sender !== msg.sender) {
      if (spec.sender.startsWith(':') || spec.sender === DBUS) return false
      const owner = this.#owners.get(spec.sender)
      if (owner === undefined || owner === '' || owner !== msg.sender) return false
    }
    return true
  }

  async #trackOwner(name: string): Promise<void> {
    const refs = this.#ownerRefs.get(name) ?? 0
    this.#ownerRefs.set(name, refs + 1)
    if (refs > 0) return
    this.#owners.set(name, '')
    await this.conn.raw._addMatch(
      matchRule({ sender: DBUS, interface: DBUS, member: 'NameOwnerChanged', arg0: name })
    )
    try {
      const r = await this.conn.callDaemon('GetNameOwner', 's', [name])
      const owner = r.body[0]
      // a NameOwnerChanged seen meanwhile is newer than this reply only if it set a value
      if (typeof owner === 'string' && this.#owners.get(name) === '') this.#owners.set(name, owner)
    } catch {
      // NameHasNoOwner: stays ''
    }
  }

  async #untrackOwner(name: string): Promise<void> {
    const refs = (this.#ownerRefs.get(name) ?? 1) - 1
    if (refs > 0) {
      this.#ownerRefs.set(name, refs)
      return
    }
    this.#ownerRefs.delete(name)
    this.#owners.delete(name)
    await this.conn.raw._removeMatch(
      matchRule({ sender: DBUS, interface: DBUS, member: 'NameOwnerChanged', arg0: name })
    )
  }

  /**
   * Subscribe; resolves once the bus has the match rule (signals sent after that are
   * delivered). Returns the unsubscribe function.
   */
  async subscribe(spec: MatchSpec, handler: SignalHandler): Promise<() => Promise<void>> {
    this.#attach()
    const sub: Sub = { spec, rule: matchRule(spec), handler }
    const wellKnownSender =
      spec.sender !== undefined && !spec.sender.startsWith(':') && spec.sender !== DBUS
        ? spec.sender
        : undefined
    if (wellKnownSender) await this.#trackOwner(wellKnownSender)
    this.#subs.add(sub)
    try {
      await this.conn.raw._addMatch(sub.rule)
    } catch (err) {
      this.#subs.delete(sub)
      if (wellKnownSender) await this.#untrackOwner(wellKnownSender).catch(() => undefined)
      throw err
    }
    let done = false
    return async () => {
      if (done) return
      done = true
      this.#subs.delete(sub)
      if (this.conn.isClosed) return
      await this.conn.raw._removeMatch(sub.rule)
      if (wellKnownSender) await this.#untrackOwner(wellKnownSender)
    }
  }

  /** Number of live subscriptions (for tests and leak checks). */
  get size(): number {
    return this.#subs.size
  }
}
