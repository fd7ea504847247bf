/**
 * @module users
 * The real accounts tests run processes under. scripts/setup.sh creates them (idempotently):
 * `openvpn` (upstream's service user and group) and `ovpn3-test` (a second unprivileged,
 * home-less system account). When one is missing, `nobody` (65534) stands in.
 */
import { readFileSync } from 'node:fs'

export interface UnixUser {
  name: string
  uid: number
  gid: number
}

export interface TestUsers {
  /** upstream's service account (`openvpn`), or nobody when missing */
  openvpn: UnixUser
  /** second unprivileged test account (`ovpn3-test`), or nobody when missing */
  test: UnixUser
  /** nobody/nogroup, 65534 */
  nobody: UnixUser
  /** true when both named accounts exist (false means fallbacks are in use) */
  complete: boolean
}

export const NOBODY: UnixUser = { name: 'nobody', uid: 65534, gid: 65534 }

/** Looks a user up in /etc/passwd (no NSS modules needed in test containers). */
export function lookupUser(name: string): UnixUser | undefined {
  return readPasswd().find((u) => u.name === name)
}

/** The primary group of `uid`, or `uid` itself when the account is unknown. */
export function primaryGid(uid: number): number {
  return readPasswd().find((u) => u.uid === uid)?.gid ?? uid
}

function readPasswd(): UnixUser[] {
  let text: string
  try {
    text = readFileSync('/etc/passwd', 'utf8')
  } catch {
    return []
  }
  const users: UnixUser[] = []
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':')
    if (name === undefined || uid === undefined || gid === undefined) continue
    const u = Number(uid)
    const g = Number(gid)
    if (Number.isInteger(u) && Number.isInteger(g)) users.push({ name, uid: u, gid: g })
  }
  return users
}

/** The accounts tests use; see the module comment. */
export function testUsers(): TestUsers {
  const openvpn = lookupUser('openvpn')
  const test = lookupUser('ovpn3-test')
  return {
    openvpn: openvpn ?? NOBODY,
    test: test ?? NOBODY,
    nobody: NOBODY,
    complete: openvpn !== undefined && test !== undefined,
  }
}
