/**
 * Profile checks at import (spec dbus-api.md §3.1 Import, §3.5 validity) with the protocol
 * package's parser. A profile with any parse error — grammar, unknown or malformed directives,
 * bad keys, and every directive that would run scripts or load plugins — is refused with all
 * problems listed (line, directive, reason), one per line of the error text. Only the §3.5 validity gaps (missing `ca`, `client`,
 * `dev`, `remote`; server-locked profiles) are imported, with `valid=false`, as upstream does.
 */
import {
  checkValidity,
  parseProfile,
  renderIssues,
  type ProfileIssue,
  type RawOption,
} from '@openvpn3-ts/protocol/profile'

/** Issue codes that only make a profile invalid (§3.5) instead of refusing the import. */
const VALIDITY_CODES = new Set(['missing_required', 'server_locked'])

/** A profile that cannot be imported; `issues` holds every problem found. */
export class ProfileRefusedError extends Error {
  override readonly name = 'ProfileRefusedError'
  constructor(readonly issues: readonly ProfileIssue[]) {
    super(`Invalid configuration profile: ${renderIssues(issues)}`)
  }
}

export interface CheckedProfile {
  options: RawOption[]
  valid: boolean
  invalidReason: string | null
}

/** Validity of a parsed option list (Validate, load from disk). */
export function validity(options: readonly RawOption[]): {
  valid: boolean
  invalidReason: string | null
} {
  const v = checkValidity(options)
  return { valid: v.valid, invalidReason: v.message }
}

/** Parse and check profile text for Import; throws ProfileRefusedError. */
export function checkProfile(text: string): CheckedProfile {
  const r = parseProfile(text)
  if (!r.ok) {
    const blocking = r.issues.filter((i) => !VALIDITY_CODES.has(i.code))
    if (blocking.length > 0) throw new ProfileRefusedError(blocking)
  }
  const options = r.ok ? [...r.profile.options] : r.options
  return { options, ...validity(options) }
}
