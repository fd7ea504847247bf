/**
 * The service account (spec dbus-api.md §1.7: services started as root run as the openvpn
 * user, like upstream's `User=` in the activation files): look the account up in the passwd
 * file (Node has no getpwnam) and switch the process to it — supplementary groups, then the
 * group, then the user, since each step needs the privileges the next one gives up.
 */
import { PASSWD_FILE, readPasswd } from './passwd.js'

export { PASSWD_FILE }

/** `process.initgroups` exists on POSIX Node but is missing from @types/node. */
type InitGroups = (user: string | number, extraGroup: string | number) => void

/** An account from the passwd file. */
export interface ServiceUser {
  name: string
  uid: number
  /** primary group */
  gid: number
}

/** The named account is not in the passwd file. */
export class UnknownServiceUserError extends Error {
  override readonly name = 'UnknownServiceUserError'
  constructor(
    readonly user: string,
    options?: { cause?: unknown }
  ) {
    super(`user '${user}' not found`, options)
  }
}

/** Switching to the account failed half-way or was refused by the kernel. */
export class ServiceUserSwitchError extends Error {
  override readonly name = 'ServiceUserSwitchError'
  constructor(
    readonly user: string,
    options?: { cause?: unknown }
  ) {
    super(`cannot switch to user '${user}'`, options)
  }
}

/** Looks `name` up in the passwd file; throws `UnknownServiceUserError`. */
export function lookupServiceUser(name: string, passwdPath = PASSWD_FILE): ServiceUser {
  const all = readPasswd(passwdPath)
  if (!Array.isArray(all)) throw new UnknownServiceUserError(name, { cause: all.error })
  const found = all.find((e) => e.name === name)
  if (!found) throw new UnknownServiceUserError(name)
  return { name, uid: found.uid, gid: found.gid }
}

export interface DropToServiceUserOptions {
  /** runs as root before the switch, e.g. to hand a state directory to the account */
  prepare?: (user: ServiceUser) => void
  passwdPath?: string
}

/**
 * Started as root: becomes `name` (its groups from the group database, its primary group, its
 * UID — real, effective and saved) and returns the account. Not root: changes nothing and
 * returns undefined. Already running as that account (root → root): only `prepare` runs.
 * Throws `UnknownServiceUserError` (nothing changed) or `ServiceUserSwitchError`.
 */
export function dropToServiceUser(
  name: string,
  options: DropToServiceUserOptions = {}
): ServiceUser | undefined {
  if (process.getuid?.() !== 0 || process.geteuid?.() !== 0) return undefined
  const user = lookupServiceUser(name, options.passwdPath)
  options.prepare?.(user)
  if (user.uid === 0 && user.gid === process.getgid?.()) return user
  try {
    const initgroups = (process as { initgroups?: InitGroups }).initgroups
    initgroups?.call(process, user.name, user.gid)
    process.setgid?.(user.gid)
    process.setuid?.(user.uid)
  } catch (cause) {
    throw new ServiceUserSwitchError(name, { cause })
  }
  if (process.getuid?.() !== user.uid || process.geteuid?.() !== user.uid) {
    throw new ServiceUserSwitchError(name)
  }
  return user
}
