/**
 * Spec constants for the OpenVPN 2.6 management interface and the access daemon's defaults.
 * Follows ../shared/spec/access-hooks.md sections 2.2, 2.5, 2.7 and 10.
 */

/** Management input buffer is 1024 bytes; a line must stay strictly below it (spec 2.2). */
export const MGMT_MAX_LINE_BYTES = 1023
/** One lexer token (parameter) is at most 256 characters (spec 2.2, OPTION_PARM_SIZE). */
export const MGMT_MAX_TOKEN_CHARS = 256
/** At most 16 parameters per line (spec 2.2, MAX_PARMS). */
export const MGMT_MAX_PARAMS = 16
/** Management interface version reported by 2.6.x (spec 0). */
export const MGMT_VERSION_26 = 5
/** Server gives up on the management password after this many failures (spec 2.2). */
export const MGMT_PASSWORD_TRIES = 3

/** Our caps on what we accept from the server (hostile input, spec 10). */
export const MAX_INBOUND_LINE_BYTES = 64 * 1024
export const MAX_ENV_VARS = 1024
export const MAX_ENV_BLOCK_BYTES = 256 * 1024
export const MAX_RESPONSE_LINES = 100_000

/** Default deferral window of a CONNECT/REAUTH (spec 2.7: min(hand-window, reneg-sec/2)). */
export const DEFAULT_DECISION_WINDOW_MS = 60_000
/** Timeout for one management command's response. */
export const COMMAND_TIMEOUT_MS = 15_000
/** Reconnect backoff bounds. */
export const RECONNECT_MIN_MS = 100
export const RECONNECT_MAX_MS = 5_000
/** Interval asked from the server for >BYTECOUNT_CLI (seconds). */
export const DEFAULT_BYTECOUNT_INTERVAL_S = 30

/** RFC 6238 defaults. */
export const TOTP_STEP_S = 30
export const TOTP_DIGITS = 6
/** Accept codes from this many steps before/after now (clock skew). */
export const TOTP_WINDOW = 1

/** Pending challenge state lifetime (CRV1 state ids, CR_TEXT waits). */
export const CHALLENGE_TTL_MS = 180_000
/** pending-auth timeout we announce to the client (seconds). */
export const PENDING_AUTH_TIMEOUT_S = 120
