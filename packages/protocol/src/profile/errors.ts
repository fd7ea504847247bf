/**
 * Error class of the profile parser, for callers that prefer an exception to a result object
 * ({@link parseProfileOrThrow}). The parser itself never throws; this carries its issue list.
 */
import { ProtocolError, type ErrorOptionsWithCause } from '../errors.js'
import { renderIssues, type ProfileIssue } from './issues.js'

/** A profile could not be parsed; `issues` holds every error, `message` renders them. */
export class ProfileError extends ProtocolError {
  override name = 'ProfileError'
  override readonly code = 'PROFILE_INVALID'
  readonly issues: readonly ProfileIssue[]

  constructor(issues: readonly ProfileIssue[], options?: ErrorOptionsWithCause) {
    super(`invalid profile:\n${renderIssues(issues)}`, options)
    this.issues = issues
  }
}
