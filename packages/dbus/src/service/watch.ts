/**
 * Watch a bus name (well-known or unique) disappear, through a low-level
 * NameOwnerChanged match rule (style rule 7: resources bound to the bus name of whoever
 * asked for them are destroyed when it vanishes; spec §7.4 (f)).
 */
import type { DBusConnection } from '../bus.js'
import { getNameOwner } from './caller.js'

export interface NameWatch {
  /** stop watching */
  cancel(): Promise<void>
}

/**
 * Call `onVanished` once when `name` has no owner any more (immediately if it has none
 * now). Resolves once the watch is active.
 */
export async function watchNameVanish(
  conn: DBusConnection,
  name: string,
  onVanished: () => void
): Promise<NameWatch> {
  let fired = false
  const fire = () => {
    if (fired) return
    fired = true
    void unsubscribe().catch(() => undefined)
    onVanished()
  }
  const unsubscribe = await conn.signals.subscribe(
    {
      sender: 'org.freedesktop.DBus',
      interface: 'org.freedesktop.DBus',
      member: 'NameOwnerChanged',
      arg0: name,
    },
    (msg) => {
      if (msg.body[0] === name && msg.body[2] === '') fire()
    }
  )
  // the name may have gone before the rule was in place
  if ((await getNameOwner(conn, name)) === undefined) fire()
  return {
    cancel: async () => {
      fired = true
      await unsubscribe()
    },
  }
}
