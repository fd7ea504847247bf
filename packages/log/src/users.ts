/**
 * Who counts as "the openvpn user" for the log service's in-service checks (spec §9.2:
 * `AssignSession` and `ProxyLogEvents` only from the openvpn UID). Looked up in /etc/passwd
 * (Node has no getpwnam); root and the service's own UID are accepted as well.
 */
import { readFileSync } from 'node:fs'
import { OPENVPN_USER } from '@openvpn3-ts/dbus'

/** UID of `name` from a passwd file, or undefined. */
export function lookupUid(name: string, passwdPath = '/etc/passwd'): number | undefined {
  let text: string
  try {
    text = readFileSync(passwdPath, 'utf8')
  } catch {
    return undefined
  }
  for (const line of text.split('\n')) {
    const f = line.split(':')
    if (f[0] === name && f[2] !== undefined && /^\d+$/.test(f[2])) return Number(f[2])
  }
  return undefined
}

/** UIDs allowed to act as a service towards the log service. */
export function serviceUids(): Set<number> {
  const uids = new Set<number>([0])
  const own = process.getuid?.()
  if (own !== undefined) uids.add(own)
  const openvpn = lookupUid(OPENVPN_USER)
  if (openvpn !== undefined) uids.add(openvpn)
  return uids
}
