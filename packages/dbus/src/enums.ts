/**
 * Wire enumerations with their exact numeric values and display strings (spec §2, code
 * values — not the upstream docs' values, see spec §12 rows 1–4).
 * Each enum is a table `[NAME, value, display]`; `StatusMajor.CONFIG` etc. are derived.
 */

/** `display` is null where the spec gives no display string. */
type Row = readonly [name: string, value: number, display: string | null]

type EnumOf<T extends readonly Row[]> = { readonly [R in T[number] as R[0]]: R[1] }

/** Build the `NAME → value` object, display lookup and reverse lookup from a table. */
function defineEnum<const T extends readonly Row[]>(table: T) {
  const values = Object.fromEntries(table.map(([n, v]) => [n, v])) as EnumOf<T>
  const byValue = new Map<number, Row>(table.map((r) => [r[1], r]))
  return {
    ...values,
    /** all rows, in spec order */
    table,
    /** display string of a value (upstream `*_str` tables); undefined for unknown values */
    display: (v: number): string | undefined => byValue.get(v)?.[2] ?? undefined,
    /** symbolic name of a value; undefined for unknown values */
    nameOf: (v: number): T[number][0] | undefined => byValue.get(v)?.[0],
    /** true when `v` is one of the listed values (Python clients reject others, spec §2.10) */
    has: (v: number): v is T[number][1] => byValue.has(v),
  }
}

export type EnumValue<E extends { table: readonly Row[] }> = E['table'][number][1]

/** §2.1 StatusMajor [src/dbus/constants.hpp] */
export const StatusMajor = defineEnum([
  ['UNSET', 0, '(unset)'],
  ['CONFIG', 1, 'Configuration'],
  ['CONNECTION', 2, 'Connection'],
  ['SESSION', 3, 'Session'],
  ['PKCS11', 4, 'PKCS#11'],
  ['PROCESS', 5, 'Process'],
] as const)
export type StatusMajor = EnumValue<typeof StatusMajor>

/** §2.2 StatusMinor [src/dbus/constants.hpp] */
export const StatusMinor = defineEnum([
  ['UNSET', 0, '(unset)'],
  ['CFG_ERROR', 1, 'Configuration error'],
  ['CFG_OK', 2, 'Configuration OK'],
  ['CFG_INLINE_MISSING', 3, 'Configuration missing inline data'],
  ['CFG_REQUIRE_USER', 4, 'Configuration requires user input'],
  ['CONN_INIT', 5, 'Client initialized'],
  ['CONN_CONNECTING', 6, 'Client connecting'],
  ['CONN_CONNECTED', 7, 'Client connected'],
  ['CONN_DISCONNECTING', 8, 'Client disconnecting'],
  ['CONN_DISCONNECTED', 9, 'Client disconnected'],
  ['CONN_FAILED', 10, 'Client connection failed'],
  ['CONN_AUTH_FAILED', 11, 'Client authentication failed'],
  ['CONN_RECONNECTING', 12, 'Client reconnect'],
  ['CONN_PAUSING', 13, 'Client pausing connection'],
  ['CONN_PAUSED', 14, 'Client connection paused'],
  ['CONN_RESUMING', 15, 'Client connection resuming'],
  ['CONN_DONE', 16, 'Client process exited'],
  ['SESS_NEW', 17, 'New session created'],
  ['SESS_BACKEND_COMPLETED', 18, 'Backend Session Object completed'],
  ['SESS_REMOVED', 19, 'Session deleted'],
  ['SESS_AUTH_USERPASS', 20, 'User/password authentication'],
  ['SESS_AUTH_CHALLENGE', 21, 'Challenge/response authentication'],
  ['SESS_AUTH_URL', 22, 'URL authentication'],
  ['PKCS11_SIGN', 23, 'PKCS#11 Sign'],
  ['PKCS11_ENCRYPT', 24, 'PKCS#11 Encrypt'],
  ['PKCS11_DECRYPT', 25, 'PKCS#11 Decrypt'],
  ['PKCS11_VERIFY', 26, 'PKCS#11 Verify'],
  ['PROC_STARTED', 27, 'Process started'],
  ['PROC_STOPPED', 28, 'Process stopped'],
  ['PROC_KILLED', 29, 'Process killed'],
] as const)
export type StatusMinor = EnumValue<typeof StatusMinor>

/** §2.3 ClientAttentionType [src/dbus/constants.hpp] (docs list only 0–2) */
export const ClientAttentionType = defineEnum([
  ['UNSET', 0, '(unset)'],
  ['CREDENTIALS', 1, 'User Credentials'],
  ['PKCS11', 2, 'PKCS#11 operation'],
  ['ACCESS_PERM', 3, 'Requesting access permission'],
] as const)
export type ClientAttentionType = EnumValue<typeof ClientAttentionType>

/** §2.4 ClientAttentionGroup [src/dbus/constants.hpp] (CHALLENGE_AUTH_PENDING=6 since v20) */
export const ClientAttentionGroup = defineEnum([
  ['UNSET', 0, '(unset)'],
  ['USER_PASSWORD', 1, 'Username/password authentication'],
  ['HTTP_PROXY_CREDS', 2, 'HTTP proxy credentials'],
  ['PK_PASSPHRASE', 3, 'Private key passphrase'],
  ['CHALLENGE_STATIC', 4, 'Static challenge'],
  ['CHALLENGE_DYNAMIC', 5, 'Dynamic challenge'],
  ['CHALLENGE_AUTH_PENDING', 6, 'Pending authentication'],
  ['PKCS11_SIGN', 7, 'PKCS#11 sign operation'],
  ['PKCS11_DECRYPT', 8, 'PKCS#11 decrypt operation'],
  ['OPEN_URL', 9, 'Web authentication'],
] as const)
export type ClientAttentionGroup = EnumValue<typeof ClientAttentionGroup>

/** §2.5 LogGroup [src/log/log-helpers.hpp] */
export const LogGroup = defineEnum([
  ['UNDEFINED', 0, '[[UNDEFINED]]'],
  ['MASTERPROC', 1, 'Master Process'],
  ['CONFIGMGR', 2, 'Config Manager'],
  ['SESSIONMGR', 3, 'Session Manager'],
  ['BACKENDSTART', 4, 'Backend Starter'],
  ['LOGGER', 5, 'Logger'],
  ['BACKENDPROC', 6, 'Backend Session Process'],
  ['CLIENT', 7, 'Client'],
  ['NETCFG', 8, 'Network Configuration'],
  ['EXTSERVICE', 9, 'External Service'],
] as const)
export type LogGroup = EnumValue<typeof LogGroup>

/** §2.6 LogCategory [src/log/log-helpers.hpp] (docs are off by one) */
export const LogCategory = defineEnum([
  ['UNDEFINED', 0, '[[UNDEFINED]]'],
  ['DEBUG', 1, 'DEBUG'],
  ['VERB2', 2, 'VERB2'],
  ['VERB1', 3, 'VERB1'],
  ['INFO', 4, 'INFO'],
  ['WARN', 5, 'WARNING'],
  ['ERROR', 6, '-- ERROR --'],
  ['CRIT', 7, '!! CRITICAL !!'],
  ['FATAL', 8, '**!! FATAL !!**'],
] as const)
export type LogCategory = EnumValue<typeof LogCategory>

/** Highest accepted log level (spec §2.6: > 6 is rejected). */
export const MAX_LOG_LEVEL = 6

/**
 * Log level filter (spec §2.6, upstream logfilter.cpp): level ≥6 passes DEBUG, ≥5 VERB2,
 * ≥4 VERB1, ≥3 INFO, ≥2 WARN, ≥1 ERROR; CRIT, FATAL and UNDEFINED always pass.
 */
export function logCategoryPasses(level: number, category: number): boolean {
  switch (category) {
    case LogCategory.DEBUG:
      return level >= 6
    case LogCategory.VERB2:
      return level >= 5
    case LogCategory.VERB1:
      return level >= 4
    case LogCategory.INFO:
      return level >= 3
    case LogCategory.WARN:
      return level >= 2
    case LogCategory.ERROR:
      return level >= 1
    default:
      return true
  }
}

/** Text-log prefix `<group display> <category display>: ` (spec §2.6 `LogPrefix`). */
export function logPrefix(group: number, category: number): string {
  return `${LogGroup.display(group) ?? LogGroup.display(0)} ${LogCategory.display(category) ?? LogCategory.display(0)}: `
}

/** §2.7 SessionManager EventType — sent as `q` [src/sessionmgr/sessionmgr-events.hpp] */
export const SessionManagerEventType = defineEnum([
  ['UNSET', 0, null],
  ['SESS_CREATED', 1, null],
  ['SESS_DESTROYED', 2, null],
] as const)
export type SessionManagerEventType = EnumValue<typeof SessionManagerEventType>

/** §2.8 ConfigManager EventType — sent as `q` [src/configmgr/configmgr-events.hpp] */
export const ConfigManagerEventType = defineEnum([
  ['UNSET', 0, null],
  ['CFG_CREATED', 1, null],
  ['CFG_DESTROYED', 2, null],
] as const)
export type ConfigManagerEventType = EnumValue<typeof ConfigManagerEventType>

/** §2.9 NetCfgChangeType — bit flags, `u` [src/netcfg/netcfg-changetype.hpp] */
export const NetCfgChangeType = defineEnum([
  ['UNSET', 0, null],
  ['DEVICE_ADDED', 1, null],
  ['DEVICE_REMOVED', 2, null],
  ['IPADDR_ADDED', 4, null],
  ['IPADDR_REMOVED', 8, null],
  ['ROUTE_ADDED', 16, null],
  ['ROUTE_REMOVED', 32, null],
  ['ROUTE_EXCLUDED', 64, null],
  ['DNS_SERVER_ADDED', 128, null],
  ['DNS_SERVER_REMOVED', 256, null],
  ['DNS_SEARCH_ADDED', 512, null],
  ['DNS_SEARCH_REMOVED', 1024, null],
] as const)
export type NetCfgChangeType = EnumValue<typeof NetCfgChangeType>

/** Highest valid `NotificationSubscribe` filter (spec §7.2). */
export const NETCFG_SUBSCRIBE_MAX_FILTER = 65535

/** §2.10 netcfg device `layer` [src/netcfg/netcfg-device.hpp] (only TUN works) */
export const NetCfgDeviceLayer = defineEnum([
  ['UNSET', 0, null],
  ['TAP', 2, null],
  ['TUN', 3, null],
] as const)
export type NetCfgDeviceLayer = EnumValue<typeof NetCfgDeviceLayer>

/** §2.10 string enums [src/netcfg/dns/resolver-settings.cpp, src/netcfg/netcfg-options.hpp] */
export const DnsScope = ['global', 'tunnel'] as const
export type DnsScope = (typeof DnsScope)[number]
/** DNSSEC modes that may be set; reads may also return `unset`. */
export const DnssecMode = ['yes', 'no', 'optional'] as const
export type DnssecMode = (typeof DnssecMode)[number]
export const DnssecModeRead = [...DnssecMode, 'unset'] as const
/** DNS transport modes that may be set; reads may also return `unset`. */
export const DnsTransport = ['plain', 'dot', 'doh'] as const
export type DnsTransport = (typeof DnsTransport)[number]
export const DnsTransportRead = [...DnsTransport, 'unset'] as const
/** netcfg `--redirect-method` values; `host-route` is the default. */
export const RedirectMethod = ['host-route', 'bind-device', 'none'] as const
export type RedirectMethod = (typeof RedirectMethod)[number]

/** Every numeric wire enum, for documentation generation and tests. */
export const WireEnums = {
  StatusMajor,
  StatusMinor,
  ClientAttentionType,
  ClientAttentionGroup,
  LogGroup,
  LogCategory,
  SessionManagerEventType,
  ConfigManagerEventType,
  NetCfgChangeType,
  NetCfgDeviceLayer,
} as const
