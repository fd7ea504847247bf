/**
 * Command line of `openvpn3-service-log` (spec §8.1) merged over the settings file
 * (config-file.ts): `--log-level N`, `--timestamp`, `--colour`, `--journald`,
 * `--no-logtag-prefix`, `--syslog`, `--syslog-facility F` (and our `--syslog-socket PATH`),
 * `--log-file FILE`, `--service-log-dbus-details`, `--idle-exit MIN`, `--state-dir DIR`.
 * `--journald`, `--syslog` and `--log-file` exclude each other; `--colour` excludes journald.
 * Command-line values win over the file. Flag syntax and value checks: the dbus service kit.
 */
import { join } from 'node:path'
import { z } from 'zod'
import { UsageError, parseServiceOptions, wholeNumber } from '@openvpn3-ts/dbus'
import { CONFIG_FILE_NAME, DEFAULT_LOG_LEVEL, LogMethod } from './constants.js'
import { loadConfig } from './config-file.js'
import type { LogServiceConfig } from './config-file.js'
import { LogConfigError } from './errors.js'
import { facilityCode } from './writers/syslog-transport.js'

export interface LogServiceOptions {
  logLevel: number
  timestamp: boolean
  colour: boolean
  method: LogMethod
  /** with method `logfile` */
  logFile?: string
  /** with method `syslog`: facility name (default LOG_DAEMON) */
  syslogFacility: string
  /** with method `syslog`: unix socket instead of /dev/log (our extension, for tests) */
  syslogSocket?: string
  dbusDetails: boolean
  /** prefix lines with the sender's `{tag:…}` */
  logtagPrefix: boolean
  /** minutes; 0 = never (upstream arms the timer only with --idle-exit, spec §1.7) */
  idleExitMin: number
  stateDir?: string
  /** `<stateDir>/log-service.json`, or undefined without a state dir */
  configFile?: string
  help: boolean
}

export const USAGE = `Usage: openvpn3-service-log [options]
  --log-level N               0-6 (default ${DEFAULT_LOG_LEVEL})
  --timestamp                 time stamp each line
  --colour                    colour the category (stdout/log file)
  --journald                  journal-friendly lines with <N> priority prefixes on stdout
  --no-logtag-prefix          do not prefix lines with the sender's {tag:…}
  --syslog                    send to syslog (through util-linux logger)
  --syslog-facility F         LOG_DAEMON (default), LOG_USER, LOG_LOCAL0-7
  --syslog-socket PATH        syslog unix socket (default: the system's, /dev/log)
  --log-file FILE             append to FILE (reopened on SIGHUP)
  --service-log-dbus-details  add sender/path/interface details
  --idle-exit MIN             exit after MIN minutes with nothing attached
  --state-dir DIR             load/save DIR/${CONFIG_FILE_NAME}`

/** The command line (flag names without dashes), checked by the service kit. */
const Flags = z.object({
  'log-level': wholeNumber(6).optional(),
  timestamp: z.boolean().optional(),
  colour: z.boolean().optional(),
  journald: z.boolean().optional(),
  'no-logtag-prefix': z.boolean().optional(),
  syslog: z.boolean().optional(),
  'syslog-facility': z.string().optional(),
  'syslog-socket': z.string().optional(),
  'log-file': z.string().optional(),
  'service-log-dbus-details': z.boolean().optional(),
  // minutes; fractions accepted (upstream takes whole minutes; tests use seconds)
  'idle-exit': z
    .string()
    .regex(/^\d+(\.\d+)?$/, 'expected minutes')
    .transform(Number)
    .optional(),
  'state-dir': z.string().optional(),
  help: z.boolean().optional(),
})

function parseFlags(argv: readonly string[]): z.output<typeof Flags> {
  try {
    return parseServiceOptions(argv, Flags, { aliases: { '--color': 'colour', '-h': 'help' } })
  } catch (err) {
    if (err instanceof UsageError) throw new LogConfigError(err.message, { cause: err })
    throw err
  }
}

/** `o` without its undefined members (absent flags must let the settings file show through). */
function present<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as {
    [K in keyof T]?: Exclude<T[K], undefined>
  }
}

/** Parse argv (without node and script); reads the settings file when --state-dir is given. */
export function parseOptions(argv: readonly string[]): LogServiceOptions {
  const f = parseFlags(argv)
  // the command line in the settings file's terms
  const cli: LogServiceConfig = present({
    log_level: f['log-level'],
    timestamp: f.timestamp,
    journald: f.journald,
    no_logtag_prefix: f['no-logtag-prefix'],
    syslog: f.syslog,
    syslog_facility: f['syslog-facility'],
    log_file: f['log-file'],
    log_dbus_details: f['service-log-dbus-details'],
    idle_exit: f['idle-exit'],
  })
  const stateDir = f['state-dir']
  const configFile = stateDir !== undefined ? join(stateDir, CONFIG_FILE_NAME) : undefined
  const file = configFile !== undefined ? loadConfig(configFile) : {}
  // a method given on the command line replaces the file's method
  const cliMethod = cli.journald || cli.syslog || cli.log_file !== undefined
  const base: LogServiceConfig = cliMethod
    ? { ...file, journald: false, syslog: false }
    : { ...file }
  if (cliMethod) delete base.log_file
  const c = { ...base, ...cli }
  const methods = [c.journald, c.syslog, c.log_file !== undefined].filter(Boolean).length
  if (methods > 1) {
    throw new LogConfigError('--journald, --syslog and --log-file cannot be combined')
  }
  const colour = f.colour ?? c.log_file_colour ?? false
  if (colour && (c.journald || c.syslog)) {
    throw new LogConfigError('--colour cannot be used with --journald or --syslog')
  }
  const syslogFacility = c.syslog_facility ?? 'LOG_DAEMON'
  facilityCode(syslogFacility) // throws LogConfigError for an unknown name
  const method = c.journald
    ? LogMethod.journald
    : c.syslog
      ? LogMethod.syslog
      : c.log_file !== undefined
        ? LogMethod.logfile
        : LogMethod.stdout
  return {
    logLevel: c.log_level ?? DEFAULT_LOG_LEVEL,
    timestamp: c.timestamp ?? false,
    colour,
    method,
    ...(c.log_file !== undefined ? { logFile: c.log_file } : {}),
    syslogFacility,
    ...(f['syslog-socket'] !== undefined ? { syslogSocket: f['syslog-socket'] } : {}),
    dbusDetails: c.log_dbus_details ?? false,
    logtagPrefix: !(c.no_logtag_prefix ?? false),
    idleExitMin: c.idle_exit ?? 0,
    ...(stateDir !== undefined ? { stateDir } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
    help: f.help ?? false,
  }
}
