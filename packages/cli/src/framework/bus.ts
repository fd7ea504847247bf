/**
 * Bus access for commands: one connection per CLI run, made on first use (so `help` and usage
 * errors never touch D-Bus), through `DBUS_SYSTEM_BUS_ADDRESS` or the system bus socket, and
 * closed when the command ends. The D-Bus package is imported lazily to keep start-up fast.
 */
import type { DBusConnection } from '@openvpn3-ts/dbus'

export const CALL_TIMEOUT_MS = 25_000

export class BusHandle {
  #conn: Promise<DBusConnection> | undefined

  get(): Promise<DBusConnection> {
    this.#conn ??= import('@openvpn3-ts/dbus').then(({ DBusConnection: C }) =>
      C.connect({ callTimeoutMs: CALL_TIMEOUT_MS })
    )
    return this.#conn
  }

  async close(): Promise<void> {
    const c = this.#conn
    this.#conn = undefined
    if (!c) return
    try {
      await (await c).close()
    } catch {
      // never connected, or already gone
    }
  }
}
