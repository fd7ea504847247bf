/**
 * Options of openvpn3-service-netcfg (spec §7.1): command line, with defaults read from
 * `<state-dir>/netcfg.json` (upstream's format: JSON whose keys are preceded by `//` comment
 * lines; integer and string values stored as strings, flags as booleans). The command line wins.
 * Everything from outside is checked with zod; flag syntax through the dbus service kit.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { UsageError, parseServiceOptions, wholeNumber } from '@openvpn3-ts/dbus'
import { NetcfgConfigError } from '../errors.js'
import type { RedirectMethod } from '../os/tun-setup.js'

export interface NetcfgOptions {
  logLevel: number
  /** `stdout:` or a file path; absent = stderr */
  logFile?: string
  /** minutes without activity before exiting; 0 = never */
  idleExitMin: number
  resolvConf?: string
  systemdResolved: boolean
  redirectMethod: RedirectMethod
  setSomark?: number
  stateDir?: string
  /** `<state-dir>/netcfg.json`, or '' without a state directory */
  configFile: string
  /** our addition: drop root to this user keeping CAP_NET_ADMIN (see README) */
  runAs?: string
  /** D-Bus address; default DBUS_SYSTEM_BUS_ADDRESS or the system bus */
  busAddress?: string
}

export const CONFIG_FILE_NAME = 'netcfg.json'
export const DEFAULT_IDLE_EXIT_MIN = 5
export const DEFAULT_LOG_LEVEL = 4

const intString = z
  .union([z.string().regex(/^\d+$/), z.number().int().nonnegative()])
  .transform((v) => Number(v))

const configFileSchema = z
  .object({
    log_level: intString.pipe(z.number().max(6)),
    log_file: z.string(),
    idle_exit: intString,
    resolv_conf_file: z.string(),
    systemd_resolved: z.boolean(),
    redirect_method: z.enum(['host-route', 'bind-device', 'none']),
    set_somark: intString,
  })
  .partial()

/** Strips upstream's `//` comment lines and parses the rest. */
export function parseConfigFile(text: string, path: string): z.infer<typeof configFileSchema> {
  const json = text
    .split('\n')
    .filter((l) => !l.trim().startsWith('//'))
    .join('\n')
  let raw: unknown
  try {
    raw = json.trim() === '' ? {} : JSON.parse(json)
  } catch (cause) {
    throw new NetcfgConfigError(`${path}: not valid JSON`, { cause })
  }
  const r = configFileSchema.safeParse(raw)
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
    throw new NetcfgConfigError(`${path}: ${issues}`)
  }
  return r.data
}

/** The command line (flag names without dashes), checked by the service kit. */
const Flags = z.object({
  'log-level': wholeNumber(6).optional(),
  'log-file': z.string().optional(),
  colour: z.boolean().optional(),
  'idle-exit': wholeNumber(1_000_000).optional(),
  'resolv-conf': z.string().optional(),
  'systemd-resolved': z.boolean().optional(),
  'redirect-method': z.enum(['host-route', 'bind-device', 'none']).optional(),
  'set-somark': wholeNumber(0xffffffff).optional(),
  'state-dir': z.string().optional(),
  'run-as': z.string().optional(),
  'bus-address': z.string().optional(),
  help: z.boolean().optional(),
})

export const USAGE = `Usage: openvpn3-service-netcfg [options]
  --log-level N            log verbosity 0..6 (default ${DEFAULT_LOG_LEVEL})
  --log-file FILE|stdout:  where to log (default stderr)
  --idle-exit MIN          exit after MIN minutes without devices or calls (default ${DEFAULT_IDLE_EXIT_MIN}, 0 = never)
  --resolv-conf FILE       DNS via a resolv.conf file (backup FILE.ovpn3bak, restored at teardown)
  --systemd-resolved       DNS via systemd-resolved (org.freedesktop.resolve1)
  --redirect-method M      host-route (default) | bind-device | none
  --set-somark MARK        SO_MARK protected sockets
  --state-dir DIR          read DIR/${CONFIG_FILE_NAME} as defaults
  --run-as USER            when started as root: drop to USER keeping only the needed capabilities
  --bus-address ADDR       D-Bus address (default DBUS_SYSTEM_BUS_ADDRESS / system bus)`

/** Parses argv (and the config file it names). Throws NetcfgConfigError. */
export function parseOptions(argv: readonly string[]): NetcfgOptions & { help: boolean } {
  let f: z.output<typeof Flags>
  try {
    f = parseServiceOptions(argv, Flags)
  } catch (err) {
    if (err instanceof UsageError) throw new NetcfgConfigError(err.message, { cause: err })
    throw err
  }
  const stateDir = f['state-dir']
  const configFile = stateDir !== undefined ? join(stateDir, CONFIG_FILE_NAME) : ''
  let file: z.infer<typeof configFileSchema> = {}
  if (configFile !== '') {
    let text: string | undefined
    try {
      text = readFileSync(configFile, 'utf8')
    } catch {
      text = undefined // no config file: defaults
    }
    if (text !== undefined) file = parseConfigFile(text, configFile)
  }
  const cliResolv = f['resolv-conf']
  const cliResolved = f['systemd-resolved'] === true
  if (cliResolv !== undefined && cliResolved) {
    throw new NetcfgConfigError('--resolv-conf and --systemd-resolved are mutually exclusive')
  }
  // the command line's DNS choice replaces the file's
  const resolvConf = cliResolved ? undefined : (cliResolv ?? file.resolv_conf_file)
  const systemdResolved = cliResolved || (cliResolv === undefined && file.systemd_resolved === true)
  if (resolvConf !== undefined && resolvConf !== '' && systemdResolved) {
    throw new NetcfgConfigError(`${configFile}: resolv_conf_file and systemd_resolved both set`)
  }
  const opts: NetcfgOptions & { help: boolean } = {
    help: f.help === true,
    logLevel: f['log-level'] ?? file.log_level ?? DEFAULT_LOG_LEVEL,
    idleExitMin: f['idle-exit'] ?? file.idle_exit ?? DEFAULT_IDLE_EXIT_MIN,
    systemdResolved,
    redirectMethod: f['redirect-method'] ?? file.redirect_method ?? 'host-route',
    configFile,
  }
  const logFile = f['log-file'] ?? file.log_file
  if (logFile !== undefined && logFile !== '') opts.logFile = logFile
  if (resolvConf !== undefined && resolvConf !== '') opts.resolvConf = resolvConf
  const mark = f['set-somark'] ?? file.set_somark
  if (mark !== undefined) opts.setSomark = mark
  if (stateDir !== undefined) opts.stateDir = stateDir
  if (f['run-as'] !== undefined) opts.runAs = f['run-as']
  if (f['bus-address'] !== undefined) opts.busAddress = f['bus-address']
  return opts
}
