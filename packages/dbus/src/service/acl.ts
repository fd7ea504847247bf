/**
 * Access-control helpers shared by the services (spec §3.3, §4.3, §9.2): owner, granted
 * UIDs, public access, root, the openvpn service user. Services call `requireAccess` in
 * their `authorize` hook; the kit turns `AccessDeniedError` into the upstream wire error
 * (method: domain `net.openvpn.gdbuspp`; property: `org.freedesktop.DBus.Error.AccessDenied`).
 */
import { PASSWD_FILE, findPasswdEntry } from './passwd.js'

export const ROOT_UID = 0

/** Raised by authorisation checks; `text` is the rejection text sent to the caller. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError'
  constructor(
    readonly text: string = 'Access denied',
    options?: { cause?: unknown }
  ) {
    super(text, options)
  }
}

/** The ACL-relevant state of an object. */
export interface AclSubject {
  owner: number
  acl?: readonly number[]
  publicAccess?: boolean
}

export interface AclOptions {
  /** public_access grants access (default false) */
  allowPublic?: boolean
  /** UID 0 always passes (default false: upstream rarely gives root extra visibility) */
  allowRoot?: boolean
  /** further UIDs that pass, e.g. the openvpn service user */
  extraUids?: readonly (number | undefined)[]
  /** only the owner (ignores acl) */
  ownerOnly?: boolean
}

export const isRoot = (uid: number): boolean => uid === ROOT_UID

/** True when `uid` may access `subject` under `opts`. */
export function hasAccess(uid: number, subject: AclSubject, opts: AclOptions = {}): boolean {
  if (uid === subject.owner) return true
  if (opts.allowRoot && isRoot(uid)) return true
  if (opts.extraUids?.includes(uid)) return true
  if (opts.ownerOnly) return false
  if (subject.acl?.includes(uid)) return true
  if (opts.allowPublic && subject.publicAccess) return true
  return false
}

/** Throw AccessDeniedError(text) unless `hasAccess`. */
export function requireAccess(
  uid: number,
  subject: AclSubject,
  opts: AclOptions & { text?: string } = {}
): void {
  if (!hasAccess(uid, subject, opts)) throw new AccessDeniedError(opts.text)
}

/** Add a UID to an ACL list; false when already present. */
export function grant(acl: number[], uid: number): boolean {
  if (acl.includes(uid)) return false
  acl.push(uid)
  return true
}

/** Remove a UID from an ACL list; false when absent. */
export function revoke(acl: number[], uid: number): boolean {
  const i = acl.indexOf(uid)
  if (i < 0) return false
  acl.splice(i, 1)
  return true
}

/** Look up a user's UID in a passwd file (no NSS in plain Node). */
export function lookupUid(user: string, passwdPath = PASSWD_FILE): number | undefined {
  return findPasswdEntry((e) => e.name === user, passwdPath)?.uid
}

/** Look up a UID's user name in a passwd file. */
export function lookupUserName(uid: number, passwdPath = PASSWD_FILE): string | undefined {
  return findPasswdEntry((e) => e.uid === uid, passwdPath)?.name
}
