/**
 * Defaults of the log service (spec §8.1–8.3, §1.7) and our implementation choices.
 */

/** Default service log level (spec §8.2 and §12 #27: code default 3, docs say 4). */
export const DEFAULT_LOG_LEVEL = 3
/** Default log level of a forwarding proxy (spec §8.3: 6 = everything). */
export const DEFAULT_PROXY_LOG_LEVEL = 6
/** Name of the settings file inside `--state-dir` (spec §8.1). */
export const CONFIG_FILE_NAME = 'log-service.json'
/** D-Bus error domain of the log service's method errors (our declarations, api/log.ts). */
export const LOG_ERROR_DOMAIN = 'net.openvpn.v3.log.error'
/** `log_method` values (spec §8.2). */
export const LogMethod = {
  stdout: 'stdout:',
  syslog: 'syslog',
  journald: 'journald',
  logfile: 'logfile',
} as const
export type LogMethod = (typeof LogMethod)[keyof typeof LogMethod]
/** Bound on the lines the file writer buffers in memory before applying back-pressure. */
export const FILE_HIGH_WATER_MARK = 1 << 20
