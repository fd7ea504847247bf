/**
 * Profile parser limits and defaults, each with its source: OpenVPN 3 core profile limits
 * (spec dbus-api.md §3.1, upstream `openvpn/client/cliconstants.hpp`) and OpenVPN 2.6 client
 * defaults (spec openvpn-protocol.md §19.3, §12.4, §15, §18).
 */

/** Size limits applied before and while parsing (dbus-api.md §3.1: profile, line, directive). */
export interface ProfileLimits {
  /** Maximum profile size in bytes (UTF-8). OpenVPN 3 MAX_PROFILE_SIZE = 262144. */
  readonly maxProfileBytes: number
  /** Maximum length of one line, inline block lines included. OpenVPN 3 MAX_LINE_SIZE = 512. */
  readonly maxLineLength: number
  /** Maximum length of a directive name. OpenVPN 3 MAX_DIRECTIVE_SIZE = 64. */
  readonly maxDirectiveLength: number
  /** Maximum number of arguments on one line (OpenVPN 2.6 MAX_PARMS = 16). */
  readonly maxArguments: number
  /** Maximum number of issues reported; the rest are counted in one final issue. */
  readonly maxIssues: number
}

export const DEFAULT_LIMITS: ProfileLimits = {
  maxProfileBytes: 262_144,
  maxLineLength: 512,
  maxDirectiveLength: 64,
  maxArguments: 16,
  maxIssues: 200,
}

/** Default remote port (§19.3 `port`). */
export const DEFAULT_PORT = 1194

/** Default data ciphers of a 2.6 client (§19.3 `data-ciphers`, §12.4). */
export const DEFAULT_DATA_CIPHERS: readonly string[] = [
  'AES-256-GCM',
  'AES-128-GCM',
  'CHACHA20-POLY1305',
]

/** Default `auth` digest (§19.3, §5.1). */
export const DEFAULT_AUTH_DIGEST = 'SHA1'

/** `connect-retry` defaults: 1 s initial, 300 s maximum (§19.3). */
export const DEFAULT_CONNECT_RETRY = 1
export const DEFAULT_CONNECT_RETRY_MAX_WAIT = 300

/** `server-poll-timeout` / `connect-timeout` default 120 s (§19.3). */
export const DEFAULT_CONNECT_TIMEOUT = 120

/** `reneg-sec` default 3600 s; `hand-window` 60; `tran-window` 3600; `tls-timeout` 2 (§19.3). */
export const DEFAULT_RENEG_SEC = 3600
export const DEFAULT_HAND_WINDOW = 60
export const DEFAULT_TRAN_WINDOW = 3600
export const DEFAULT_TLS_TIMEOUT = 2

/** `replay-window` default 64 packets / 15 s (§19.3). */
export const DEFAULT_REPLAY_WINDOW = 64
export const DEFAULT_REPLAY_TIME = 15

/** `tun-mtu` default 1500 (§19.3). */
export const DEFAULT_TUN_MTU = 1500

/** `explicit-exit-notify` without a count sends for 1 s (§15.3). */
export const DEFAULT_EXPLICIT_EXIT_NOTIFY = 1

/** `mssfix` without a value: clamp to fit 1492-byte datagrams (§19.3). */
export const DEFAULT_MSSFIX = 1492

/** Default `verb` of OpenVPN 2.6. */
export const DEFAULT_VERB = 1

/** Static key V1 size: two 128-byte keys (§5.3). */
export const STATIC_KEY_BYTES = 256

/** tls-crypt-v2 client key: Kc is 256 bytes, WKc at most 1024 bytes (§7.1). */
export const TLS_CRYPT_V2_KC_BYTES = 256
export const TLS_CRYPT_V2_MAX_WKC_BYTES = 1024
/** Smallest possible WKc: 32-byte tag + 256-byte Kc + 2-byte length (metadata may be empty). */
export const TLS_CRYPT_V2_MIN_WKC_BYTES = 32 + 256 + 2
