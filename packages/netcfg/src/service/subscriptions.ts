/**
 * NetworkChange subscriptions (spec §7.2 NotificationSubscribe / Unsubscribe /
 * SubscriberList, §7.5 delivery): one mask per subscriber unique name, with the UID that
 * subscribed. Signals go unicast to each subscriber whose mask has the event's bit.
 */
import { ErrorDomain, NETCFG_SUBSCRIBE_MAX_FILTER, ServiceError } from '@openvpn3-ts/dbus'

export interface Subscription {
  mask: number
  uid: number
}

export class Subscriptions {
  readonly #subs = new Map<string, Subscription>()

  subscribe(sender: string, uid: number, filter: number): void {
    if (filter === 0) {
      throw new ServiceError(ErrorDomain.NETCFG, 'Subscription filter flag must be > 0')
    }
    if (filter > NETCFG_SUBSCRIBE_MAX_FILTER) {
      throw new ServiceError(ErrorDomain.NETCFG, 'Invalid subscription flag, must be < 65535')
    }
    this.#subs.set(sender, { mask: filter, uid })
  }

  /** Removes `target`'s subscription on behalf of `caller` (root: any; others: own). */
  unsubscribe(caller: { sender: string; uid: number }, target: string): void {
    let name = caller.sender
    if (caller.uid === 0) {
      if (target === '') throw new ServiceError(ErrorDomain.NETCFG, 'Failed to retrieve subscriber')
      name = target
    }
    const sub = this.#subs.get(name)
    if (!sub) throw new ServiceError(ErrorDomain.NETCFG, `Subscription not found for '${name}'`)
    if (caller.uid !== 0 && caller.uid !== sub.uid) {
      throw new ServiceError(ErrorDomain.GDBUSPP, 'Access denied')
    }
    this.#subs.delete(name)
  }

  /** Drops a vanished subscriber; true when it had one. */
  drop(sender: string): boolean {
    return this.#subs.delete(sender)
  }

  has(sender: string): boolean {
    return this.#subs.has(sender)
  }

  list(): [string, number][] {
    return [...this.#subs].map(([n, s]) => [n, s.mask])
  }

  /** Unique names whose mask has `type`. */
  targets(type: number): string[] {
    return [...this.#subs].filter(([, s]) => (s.mask & type) !== 0).map(([n]) => n)
  }
}
