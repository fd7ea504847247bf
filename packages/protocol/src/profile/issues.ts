/**
 * Profile issues as data (zod's "errors as data" model, guide/model-codebases.md rule 8): every
 * problem the parser finds becomes one {@link ProfileIssue}; nothing is thrown. The collector caps
 * the list so hostile input cannot make it grow without bound; {@link renderIssues} turns issues
 * into one line each for a CLI or a D-Bus error text.
 */

/** Every issue code the profile parser can produce. */
export const PROFILE_ISSUE_CODES = [
  // grammar (spec openvpn-protocol.md §19.1–19.2, dbus-api.md §3.1 limits)
  'too_large',
  'line_too_long',
  'directive_too_long',
  'too_many_issues',
  'invalid_encoding',
  'control_character',
  'bad_quoting',
  'bad_escape',
  'invalid_directive_name',
  'unterminated_block',
  'unexpected_close_tag',
  'block_extra_arguments',
  'unknown_block',
  // directives (§19.3)
  'unknown_directive',
  'dangerous_directive',
  'server_only',
  'unsupported',
  'ignored',
  'deprecated',
  'file_reference',
  'missing_argument',
  'too_many_arguments',
  'invalid_argument',
  'duplicate_option',
  'conflict',
  'missing_required',
  'server_locked',
  // credentials and keys (§5.3, §7.1, §9)
  'invalid_pem',
  'invalid_certificate',
  'certificate_expired',
  'invalid_private_key',
  'encrypted_private_key',
  'key_mismatch',
  'invalid_static_key',
  'invalid_tls_crypt_v2_key',
  'invalid_json',
  'internal_error',
] as const

export type ProfileIssueCode = (typeof PROFILE_ISSUE_CODES)[number]

/** Codes that come from the grammar alone: the configuration manager fails `Import` only on these. */
export const GRAMMAR_ISSUE_CODES: ReadonlySet<ProfileIssueCode> = new Set<ProfileIssueCode>([
  'too_large',
  'line_too_long',
  'directive_too_long',
  'too_many_issues',
  'invalid_encoding',
  'control_character',
  'bad_quoting',
  'bad_escape',
  'invalid_directive_name',
  'unterminated_block',
  'unexpected_close_tag',
  'block_extra_arguments',
  'invalid_json',
])

export type ProfileIssueSeverity = 'error' | 'warning'

/** One problem found in a profile. `line` is 1-based; null when the issue has no single line. */
export interface ProfileIssue {
  readonly code: ProfileIssueCode
  readonly line: number | null
  readonly directive: string | null
  readonly message: string
  readonly severity: ProfileIssueSeverity
}

/** Collects issues, errors and warnings apart, up to a cap; the cap itself becomes one issue. */
export class IssueCollector {
  readonly errors: ProfileIssue[] = []
  readonly warnings: ProfileIssue[] = []
  private droppedErrors = 0
  private droppedWarnings = 0

  constructor(private readonly maxIssues: number) {}

  add(issue: ProfileIssue): void {
    if (this.errors.length + this.warnings.length >= this.maxIssues) {
      if (issue.severity === 'error') this.droppedErrors += 1
      else this.droppedWarnings += 1
      return
    }
    ;(issue.severity === 'error' ? this.errors : this.warnings).push(issue)
  }

  error(code: ProfileIssueCode, line: number | null, directive: string | null, message: string) {
    this.add({ code, line, directive, message, severity: 'error' })
  }

  warn(code: ProfileIssueCode, line: number | null, directive: string | null, message: string) {
    this.add({ code, line, directive, message, severity: 'warning' })
  }

  get hasErrors(): boolean {
    return this.errors.length > 0 || this.droppedErrors > 0
  }

  /** Call once at the end: adds the "N more issues" markers when the cap was hit. */
  finish(): void {
    const more = (n: number, severity: ProfileIssueSeverity): ProfileIssue => ({
      code: 'too_many_issues',
      line: null,
      directive: null,
      message: `${n} more ${severity === 'error' ? 'error' : 'warning'}(s) not shown (limit ${this.maxIssues} issues)`,
      severity,
    })
    if (this.droppedErrors > 0) this.errors.push(more(this.droppedErrors, 'error'))
    if (this.droppedWarnings > 0) this.warnings.push(more(this.droppedWarnings, 'warning'))
    this.droppedErrors = 0
    this.droppedWarnings = 0
  }
}

/** Quote a value for a message: single quotes, control characters escaped, long values cut. */
export function quote(value: string, max = 64): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value
  const safe = cut.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`
  )
  return `'${safe}'`
}

/** One line per issue: "line 12: 'cipher': unknown cipher 'FOO-BAR'". */
export function renderIssue(issue: ProfileIssue): string {
  const where = issue.line === null ? '' : `line ${issue.line}: `
  const what = issue.directive === null ? '' : `${quote(issue.directive)}: `
  const tag = issue.severity === 'warning' ? 'warning: ' : ''
  return `${where}${what}${tag}${issue.message}`
}

/** Render a list of issues, one per line, in line order (issues without a line last). */
export function renderIssues(issues: readonly ProfileIssue[]): string {
  const key = (i: ProfileIssue) => i.line ?? Number.MAX_SAFE_INTEGER
  const sorted = [...issues].sort((a, b) => key(a) - key(b))
  return sorted.map(renderIssue).join('\n')
}
