/**
 * @module profile
 * The `.ovpn` client profile parser (spec openvpn-protocol.md §19, dbus-api.md §3.5–3.7):
 * `parseProfile` (text → typed {@link Profile} or every issue), the grammar-only
 * `parseOptionList` the configuration manager imports with, `checkValidity` (its `valid` flag),
 * JSON/text export and import for `FetchJSON`/`Fetch`/persistence, and `renderIssues`.
 */
export { parseProfile, parseProfileOrThrow } from './parse.js'
export type { ParseProfileOptions, ParseProfileResult } from './parse.js'
export { parseOptionList, INLINE_BLOCK_NAMES } from './option-list.js'
export type { RawOption, OptionListResult } from './option-list.js'
export { checkValidity } from './validity.js'
export type { ProfileValidity } from './validity.js'
export {
  optionListToJson,
  profileToJson,
  renderProfileText,
  profileFromJson,
  JSON_MULTI_OPTIONS,
  JSON_INLINE_OPTIONS,
} from './export.js'
export type { ProfileJson, ToJsonOptions, FromJsonResult } from './export.js'
export { renderIssues, renderIssue, PROFILE_ISSUE_CODES, GRAMMAR_ISSUE_CODES } from './issues.js'
export type { ProfileIssue, ProfileIssueCode, ProfileIssueSeverity } from './issues.js'
export { ProfileError } from './errors.js'
export { DEFAULT_LIMITS } from './constants.js'
export type { ProfileLimits } from './constants.js'
export { tokenizeLine, quoteToken } from './lexer.js'
export { parseStaticKey, parseTlsCryptV2ClientKey } from './static-key.js'
export type { TlsCryptV2ClientKey } from './static-key.js'
export type { CertificateInfo, PrivateKeyInfo } from './pem.js'
export { SUPPORTED_DATA_CIPHERS, SUPPORTED_DIGESTS, digestSize } from './algorithms.js'
export type { DataCipher, Digest } from './algorithms.js'
export { DANGEROUS_DIRECTIVES, SERVER_ONLY_DIRECTIVES } from './refused.js'
export type * from './profile.js'
