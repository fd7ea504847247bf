/**
 * Who counts as "the openvpn user" for the log service's in-service checks (spec §9.2:
 * `AssignSession` and `ProxyLogEvents` only from the openvpn UID). Looked up in /etc/passwd
 * through the dbus kit; root and the service's own UID are accepted as well.
 */
import { OPENVPN_USER, lookupUid } from '@openvpn3-ts/dbus'

/** UIDs allowed to act as a service towards the log service. */
export function serviceUids(): Set<number> {
  const uids = new Set<number>([0])
  const own = process.getuid?.()
  if (own !== undefined) uids.add(own)
  const openvpn = lookupUid(OPENVPN_USER)
  if (openvpn !== undefined) uids.add(openvpn)
  return uids
}
