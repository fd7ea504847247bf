/**
 * Command line of `openvpn3-service-log` (spec §8.1) merged over the settings file
 * (config-file.ts): `--log-level N`, `--timestamp`, `--colour`, `--journald`,
 * `--no-logtag-prefix`, `--syslog`, `--syslog-facility F` (and our `--syslog-socket PATH`),
 * `--log-file FILE`, `--service-log-dbus-details`, `--idle-exit MIN`, `--state-dir DIR`.
 * `--journald`, `--syslog` and `--log-file` exclude each other; `--colour` excludes journald.
 * Command-line values win over the file.
 */
import { join } from 'node:path'
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

function needValue(argv: readonly string[], i: number, name: string): string {
  const v = argv[i + 1]
  if (v === undefined || v.startsWith('--')) throw new LogConfigError(`${name} needs a value`)
  return v
}

function int(name: string, v: string, max?: number): number {
  if (!/^\d+$/.test(v) || (max !== undefined && Number(v) > max)) {
    throw new LogConfigError(`${name}: invalid value '${v}'`)
  }
  return Number(v)
}

/** Parse argv (without node and script); reads the settings file when --state-dir is given. */
export function parseOptions(argv: readonly string[]): LogServiceOptions {
  const cli: LogServiceConfig & {
    colour?: boolean
    stateDir?: string
    help?: boolean
    syslogSocket?: string
  } = {}
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? ''
    const eq = a.indexOf('=')
    const [name, inline] = a.startsWith('--') && eq > 0 ? [a.slice(0, eq), a.slice(eq + 1)] : [a]
    const value = (): string => {
      if (inline !== undefined) return inline
      const v = needValue(argv, i, name)
      i++
      return v
    }
    switch (name) {
      case '--log-level':
        cli.log_level = int(name, value(), 6)
        break
      case '--timestamp':
        cli.timestamp = true
        break
      case '--colour':
      case '--color':
        cli.colour = true
        break
      case '--journald':
        cli.journald = true
        break
      case '--no-logtag-prefix':
        cli.no_logtag_prefix = true
        break
      case '--syslog':
        cli.syslog = true
        break
      case '--syslog-facility':
        cli.syslog_facility = value()
        break
      case '--syslog-socket':
        cli.syslogSocket = value()
        break
      case '--log-file':
        cli.log_file = value()
        break
      case '--service-log-dbus-details':
        cli.log_dbus_details = true
        break
      case '--idle-exit': {
        // minutes; fractions accepted (upstream takes whole minutes; tests use seconds)
        const v = value()
        if (!/^\d+(\.\d+)?$/.test(v)) throw new LogConfigError(`${name}: invalid value '${v}'`)
        cli.idle_exit = Number(v)
        break
      }
      case '--state-dir':
        cli.stateDir = value()
        break
      case '-h':
      case '--help':
        cli.help = true
        break
      default:
        throw new LogConfigError(`unknown option '${a}'`)
    }
  }
  const configFile = cli.stateDir !== undefined ? join(cli.stateDir, CONFIG_FILE_NAME) : undefined
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
  const colour = cli.colour ?? c.log_file_colour ?? false
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
    ...(cli.syslogSocket !== undefined ? { syslogSocket: cli.syslogSocket } : {}),
    dbusDetails: c.log_dbus_details ?? false,
    logtagPrefix: !(c.no_logtag_prefix ?? false),
    idleExitMin: c.idle_exit ?? 0,
    ...(cli.stateDir !== undefined ? { stateDir: cli.stateDir } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
    help: cli.help ?? false,
  }
}
