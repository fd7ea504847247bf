/**
 * The local passwd file, read directly (plain Node has no getpwnam/getpwuid; upstream's
 * services look accounts up by name and UID, spec dbus-api.md §1.7, §2.3). One parser for the
 * ACL helpers (acl.ts) and the service-account switch (user.ts).
 */
import { readFileSync } from 'node:fs'

export const PASSWD_FILE = '/etc/passwd'

/** One well-formed passwd line: name, numeric UID and primary GID. */
export interface PasswdEntry {
  name: string
  uid: number
  gid: number
}

/**
 * The well-formed entries of `path` (lines with a name and numeric UID and GID; others are
 * skipped), or the error that kept the file from being read.
 */
export function readPasswd(path = PASSWD_FILE): PasswdEntry[] | { error: unknown } {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return { error }
  }
  const out: PasswdEntry[] = []
  for (const line of text.split('\n')) {
    const [name, , uid, gid] = line.split(':')
    if (name && uid && gid && /^\d+$/.test(uid) && /^\d+$/.test(gid)) {
      out.push({ name, uid: Number(uid), gid: Number(gid) })
    }
  }
  return out
}

/** The first entry `match` accepts, or undefined (also when the file cannot be read). */
export function findPasswdEntry(
  match: (e: PasswdEntry) => boolean,
  path = PASSWD_FILE
): PasswdEntry | undefined {
  const all = readPasswd(path)
  return Array.isArray(all) ? all.find(match) : undefined
}
