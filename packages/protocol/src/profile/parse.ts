/**
 * `parseProfile`: profile text → typed {@link Profile}, or every issue found. Runs the grammar
 * (option-list.ts), the directive table (directives.ts) and the whole-profile checks
 * (finalize.ts). Never throws: any input — binary, huge, truncated — yields a result.
 */
import { DEFAULT_LIMITS, type ProfileLimits } from './constants.js'
import { applyOptions } from './directives.js'
import { newDraft, type Ctx } from './draft.js'
import { finalize } from './finalize.js'
import { IssueCollector, type ProfileIssue } from './issues.js'
import { parseOptionListWith, type RawOption } from './option-list.js'
import type { Profile } from './profile.js'
import { ProfileError } from './errors.js'

export interface ParseProfileOptions {
  /** Override the size limits (defaults: OpenVPN 3 core limits, see constants.ts). */
  readonly limits?: Partial<ProfileLimits>
  /** Clock used for certificate validity warnings (default: now). */
  readonly now?: Date
}

export type ParseProfileResult =
  | { readonly ok: true; readonly profile: Profile; readonly warnings: ProfileIssue[] }
  | {
      readonly ok: false
      /** Every error (severity 'error'), in the order found. */
      readonly issues: ProfileIssue[]
      readonly warnings: ProfileIssue[]
      /** The options the grammar could read (empty when the text could not be read at all). */
      readonly options: RawOption[]
    }

/** Parse and check a client profile. */
export function parseProfile(
  input: string | Uint8Array,
  opts: ParseProfileOptions = {}
): ParseProfileResult {
  const limits: ProfileLimits = { ...DEFAULT_LIMITS, ...opts.limits }
  const issues = new IssueCollector(limits.maxIssues)
  let options: RawOption[] = []
  try {
    options = parseOptionListWith(input, limits, issues)
    const fatal = issues.errors.some((i) => i.code === 'too_large' || i.code === 'invalid_encoding')
    if (!fatal) {
      const d = newDraft()
      const ctx: Ctx = { d, issues, now: opts.now ?? new Date(), conn: d.top, inConnection: false }
      applyOptions(ctx, options)
      const profile = finalize(d, options, issues)
      if (!issues.hasErrors) {
        issues.finish()
        return { ok: true, profile, warnings: issues.warnings }
      }
    }
  } catch (cause) {
    // A bug, not an input problem: report it as an issue rather than throwing at the caller.
    const what = cause instanceof Error ? cause.name : typeof cause
    issues.error('internal_error', null, null, `internal parser error (${what}); please report`)
  }
  issues.finish()
  return { ok: false, issues: issues.errors, warnings: issues.warnings, options }
}

/** Like {@link parseProfile} but throws {@link ProfileError} listing every error. */
export function parseProfileOrThrow(
  input: string | Uint8Array,
  opts: ParseProfileOptions = {}
): { profile: Profile; warnings: ProfileIssue[] } {
  const r = parseProfile(input, opts)
  if (!r.ok) throw new ProfileError(r.issues)
  return { profile: r.profile, warnings: r.warnings }
}
