/**
 * Attach subscriptions of the log service (spec §8.2): one per (caller unique name,
 * interface), named by a log tag (logtag.ts), with the session paths a backend assigned to
 * it. Pure bookkeeping; the service wires match rules and name watches to it.
 */
import { makeLogTag } from './logtag.js'
import type { LogTag } from './logtag.js'

export interface Subscription {
  readonly sender: string
  readonly iface: string
  readonly tag: LogTag
  /** session paths assigned by this (backend) subscription */
  readonly sessions: Set<string>
  /** removes the signal match rule */
  unsubscribe: () => Promise<void>
}

const keyOf = (sender: string, iface: string) => `${sender}\n${iface}`

export class Subscriptions {
  readonly #subs = new Map<string, Subscription>()

  get size(): number {
    return this.#subs.size
  }

  get(sender: string, iface: string): Subscription | undefined {
    return this.#subs.get(keyOf(sender, iface))
  }

  add(sender: string, iface: string): Subscription {
    const sub: Subscription = {
      sender,
      iface,
      tag: makeLogTag(sender, iface),
      sessions: new Set(),
      unsubscribe: () => Promise.resolve(),
    }
    this.#subs.set(keyOf(sender, iface), sub)
    return sub
  }

  delete(sub: Subscription): void {
    this.#subs.delete(keyOf(sub.sender, sub.iface))
  }

  /** Subscriptions of one unique name. */
  ofSender(sender: string): Subscription[] {
    return [...this.#subs.values()].filter((s) => s.sender === sender)
  }

  /** Anyone attached with this interface (for Detach's "Access denied"). */
  hasInterface(iface: string): boolean {
    return [...this.#subs.values()].some((s) => s.iface === iface)
  }

  /** Is `sessionPath` assigned by any subscription? */
  hasSession(sessionPath: string): boolean {
    return [...this.#subs.values()].some((s) => s.sessions.has(sessionPath))
  }

  all(): Subscription[] {
    return [...this.#subs.values()]
  }
}
