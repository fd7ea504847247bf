/**
 * Caller identity through the bus daemon (spec §9.2: GetConnectionUnixUser,
 * GetConnectionUnixProcessID, GetNameOwner). Unique names are never reused on a bus, so
 * results are cached per unique name (bounded).
 */
import type { DBusConnection } from '../bus.js'

export interface CallerInfo {
  /** unique bus name, e.g. `:1.42` */
  sender: string
  uid: number
  pid: number
}

const MAX_CACHE = 4096

export class CallerCache {
  readonly #cache = new Map<string, Promise<CallerInfo>>()

  constructor(private readonly conn: DBusConnection) {}

  /** UID and PID of the connection `sender` (cached). */
  lookup(sender: string): Promise<CallerInfo> {
    let p = this.#cache.get(sender)
    if (!p) {
      p = this.#resolve(sender)
      this.#cache.set(sender, p)
      p.catch(() => this.#cache.delete(sender))
      if (this.#cache.size > MAX_CACHE) {
        const oldest = this.#cache.keys().next().value
        if (oldest !== undefined) this.#cache.delete(oldest)
      }
    }
    return p
  }

  /** Forget a vanished connection. */
  forget(sender: string): void {
    this.#cache.delete(sender)
  }

  async #resolve(sender: string): Promise<CallerInfo> {
    const [u, p] = await Promise.all([
      this.conn.callDaemon('GetConnectionUnixUser', 's', [sender]),
      this.conn.callDaemon('GetConnectionUnixProcessID', 's', [sender]),
    ])
    return { sender, uid: Number(u.body[0]), pid: Number(p.body[0]) }
  }
}

/** Current unique owner of a bus name, or undefined when it has none. */
export async function getNameOwner(
  conn: DBusConnection,
  name: string
): Promise<string | undefined> {
  try {
    const r = await conn.callDaemon('GetNameOwner', 's', [name])
    return typeof r.body[0] === 'string' ? r.body[0] : undefined
  } catch (err) {
    if ((err as { errorName?: string }).errorName === 'org.freedesktop.DBus.Error.NameHasNoOwner') {
      return undefined
    }
    throw err
  }
}
