/**
 * Is the caller a backend client process? (spec dbus-api.md §3.2 `Fetch`): its PID p must own
 * `net.openvpn.v3.backends.be<p>` with the very connection that made the call. Only such a
 * caller consumes single-use profiles and bumps `used_count` / `last_used_timestamp`.
 */
import {
  backendBusName,
  getNameOwner,
  type CallContext,
  type DBusConnection,
} from '@openvpn3-ts/dbus'

export async function isBackendCaller(conn: DBusConnection, ctx: CallContext): Promise<boolean> {
  const { pid } = await ctx.caller()
  if (!Number.isInteger(pid) || pid <= 0) return false
  const owner = await getNameOwner(conn, backendBusName(pid))
  return owner !== undefined && owner === ctx.sender
}
