/**
 * Options of openvpn3-service-netcfg (spec §7.1): command line, with defaults read from
 * `<state-dir>/netcfg.json` (upstream's format: JSON whose keys are preceded by `//` comment
 * lines; integer and string values stored as strings, flags as booleans). The command line wins.
 * Everything from outside is checked with zod.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { z } from 'zod'
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

const argSpec = {
  'log-level': { type: 'string' },
  'log-file': { type: 'string' },
  colour: { type: 'boolean' },
  'idle-exit': { type: 'string' },
  'resolv-conf': { type: 'string' },
  'systemd-resolved': { type: 'boolean' },
  'redirect-method': { type: 'string' },
  'set-somark': { type: 'string' },
  'state-dir': { type: 'string' },
  'run-as': { type: 'string' },
  'bus-address': { type: 'string' },
  help: { type: 'boolean' },
} as const

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
  let values: { [K in keyof typeof argSpec]?: string | boolean | undefined }
  try {
    values = parseArgs({ args: [...argv], options: argSpec, strict: true }).values
  } catch (cause) {
    throw new NetcfgConfigError(cause instanceof Error ? cause.message : String(cause), { cause })
  }
  const str = (k: keyof typeof argSpec): string | undefined => {
    const v = values[k]
    return typeof v === 'string' ? v : undefined
  }
  const stateDir = str('state-dir')
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
  const num = (name: string, v: string | undefined, max: number): number | undefined => {
    if (v === undefined) return undefined
    if (!/^\d+$/.test(v) || Number(v) > max) {
      throw new NetcfgConfigError(`--${name}: invalid value '${v}'`)
    }
    return Number(v)
  }
  const redirect = str('redirect-method') ?? file.redirect_method ?? 'host-route'
  if (redirect !== 'host-route' && redirect !== 'bind-device' && redirect !== 'none') {
    throw new NetcfgConfigError(`--redirect-method: invalid value '${redirect}'`)
  }
  const cliResolv = str('resolv-conf')
  const cliResolved = values['systemd-resolved'] === true
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
    help: values.help === true,
    logLevel: num('log-level', str('log-level'), 6) ?? file.log_level ?? DEFAULT_LOG_LEVEL,
    idleExitMin:
      num('idle-exit', str('idle-exit'), 1_000_000) ?? file.idle_exit ?? DEFAULT_IDLE_EXIT_MIN,
    systemdResolved,
    redirectMethod: redirect,
    configFile,
  }
  const logFile = str('log-file') ?? file.log_file
  if (logFile !== undefined && logFile !== '') opts.logFile = logFile
  if (resolvConf !== undefined && resolvConf !== '') opts.resolvConf = resolvConf
  const mark = num('set-somark', str('set-somark'), 0xffffffff) ?? file.set_somark
  if (mark !== undefined) opts.setSomark = mark
  if (stateDir !== undefined) opts.stateDir = stateDir
  const runAs = str('run-as')
  if (runAs !== undefined) opts.runAs = runAs
  const bus = str('bus-address')
  if (bus !== undefined) opts.busAddress = bus
  return opts
}
