/**
 * The settings file `<state-dir>/log-service.json` (spec §8.1, §14.4): keys `journald`,
 * `syslog`, `syslog_facility`, `log_file`, `log_file_colour`, `log_level`,
 * `log_dbus_details`, `timestamp`, `no_logtag_prefix`, `idle_exit`. Read with zod (every
 * issue reported), written atomically (temp file + rename). Property writes on the main
 * object are saved here; `openvpn3-admin log-service --config-set/--config-unset` edit it.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { z } from 'zod'
import { LogConfigError } from './errors.js'

export const logServiceConfigSchema = z
  .object({
    journald: z.boolean(),
    syslog: z.boolean(),
    syslog_facility: z.string().regex(/^(LOG_)?(DAEMON|USER|LOCAL[0-7])$/i),
    log_file: z.string().min(1),
    log_file_colour: z.boolean(),
    log_level: z.number().int().min(0).max(6),
    log_dbus_details: z.boolean(),
    timestamp: z.boolean(),
    no_logtag_prefix: z.boolean(),
    idle_exit: z.number().min(0),
  })
  .partial()
  .strict()

export type LogServiceConfig = z.infer<typeof logServiceConfigSchema>
export type LogServiceConfigKey = keyof LogServiceConfig

/** Keys and their JSON types (for `--config-set KEY VALUE` parsing and help). */
export const CONFIG_KEYS: Record<LogServiceConfigKey, 'boolean' | 'number' | 'string'> = {
  journald: 'boolean',
  syslog: 'boolean',
  syslog_facility: 'string',
  log_file: 'string',
  log_file_colour: 'boolean',
  log_level: 'number',
  log_dbus_details: 'boolean',
  timestamp: 'boolean',
  no_logtag_prefix: 'boolean',
  idle_exit: 'number',
}

export function isConfigKey(key: string): key is LogServiceConfigKey {
  return Object.hasOwn(CONFIG_KEYS, key)
}

/** Parse `text` (the file content); throws LogConfigError listing every issue. */
export function parseConfig(text: string, source = 'log-service.json'): LogServiceConfig {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (err) {
    throw new LogConfigError(`${source}: not valid JSON`, { cause: err })
  }
  const r = logServiceConfigSchema.safeParse(json)
  if (!r.success) {
    throw new LogConfigError(`${source}: ${z.prettifyError(r.error).replaceAll('\n', '; ')}`, {
      cause: r.error,
    })
  }
  return r.data
}

/** Read the file; a missing file is an empty configuration. */
export function loadConfig(path: string): LogServiceConfig {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new LogConfigError(`cannot read '${path}'`, { cause: err })
  }
  return parseConfig(text, path)
}

/** Write atomically (mode 0644). */
export function saveConfig(path: string, config: LogServiceConfig): void {
  const checked = logServiceConfigSchema.parse(config)
  mkdirSync(dirname(path), { recursive: true })
  const tmp = `${path}.${process.pid}.tmp`
  writeFileSync(tmp, JSON.stringify(checked, null, 2) + '\n', { mode: 0o644 })
  renameSync(tmp, path)
}

/** Value text of `--config-set KEY VALUE` converted to the key's type. */
export function parseConfigValue(key: LogServiceConfigKey, value: string | undefined): unknown {
  const type = CONFIG_KEYS[key]
  if (type === 'boolean') {
    if (value === undefined || value === 'true' || value === '1' || value === 'yes') return true
    if (value === 'false' || value === '0' || value === 'no') return false
    throw new LogConfigError(`${key}: expected true or false, got '${value}'`)
  }
  if (value === undefined) throw new LogConfigError(`${key}: a value is required`)
  if (type === 'number') {
    if (!/^\d+$/.test(value)) throw new LogConfigError(`${key}: expected a number, got '${value}'`)
    return Number(value)
  }
  return value
}

/** Config with `key` set, checked as a whole (throws LogConfigError). */
export function setConfigValue(
  config: LogServiceConfig,
  key: LogServiceConfigKey,
  value: unknown
): LogServiceConfig {
  const next = { ...config, [key]: value }
  const r = logServiceConfigSchema.safeParse(next)
  if (!r.success) {
    throw new LogConfigError(`${key}: ${z.prettifyError(r.error).replaceAll('\n', '; ')}`)
  }
  const other = { journald: 'syslog', syslog: 'journald' } as const
  if ((key === 'journald' || key === 'syslog') && value === true && next[other[key]] === true) {
    throw new LogConfigError(`${key} and ${other[key]} cannot both be enabled`)
  }
  return r.data
}
