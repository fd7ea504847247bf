/**
 * `openvpn3-admin log-service` (spec dbus-api.md §13.2, §8.1, §8.2): show and change the
 * running log service's settings over D-Bus (`--log-level`, `--timestamp`, `--dbus-details`,
 * `--enable-log-prefix`; saved by the service to its log-service.json), list attach
 * subscriptions (`--list-subscriptions`, root), and edit the settings file directly
 * (`--config-show`, `--config-set KEY[=VALUE]`, `--config-unset KEY`, path from the service's
 * `config_file` property or `--config-file-override FILE`); file edits apply at the next start.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { BusName, ObjectPath, logServiceInterface, proxy } from '@openvpn3-ts/dbus'
import { defineCommand } from '../framework/command.js'
import { parseBool } from '../framework/args.js'
import { CliError, UsageError } from '../framework/errors.js'
import { pad } from '../framework/output.js'

/** Keys of log-service.json and their JSON types (spec §8.1). */
export const LOG_CONFIG_KEYS = {
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
} as const
type Key = keyof typeof LOG_CONFIG_KEYS

function checkKey(key: string): Key {
  if (!Object.hasOwn(LOG_CONFIG_KEYS, key)) {
    throw new UsageError(
      `unknown setting '${key}'; valid: ${Object.keys(LOG_CONFIG_KEYS).join(', ')}`
    )
  }
  return key as Key
}

/** Convert a `--config-set` value text to the key's type. */
export function configValue(key: Key, text: string | undefined): boolean | number | string {
  const type = LOG_CONFIG_KEYS[key]
  if (type === 'boolean') return text === undefined ? true : parseBool(text, key)
  if (text === undefined) throw new UsageError(`--config-set ${key}=VALUE needs a value`)
  if (type === 'number') {
    if (!/^\d+$/.test(text)) throw new UsageError(`${key} expects a number, got '${text}'`)
    const n = Number(text)
    if (key === 'log_level' && n > 6) throw new UsageError('log_level must be 0-6')
    return n
  }
  return text
}

function readConfig(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new CliError(`cannot read ${path}: ${(err as Error).message}`)
  }
  try {
    const v = JSON.parse(text) as unknown
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object')
    return v as Record<string, unknown>
  } catch (err) {
    throw new CliError(`${path} is not a valid settings file: ${(err as Error).message}`)
  }
}

function writeConfig(path: string, cfg: Record<string, unknown>): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, JSON.stringify(cfg, null, 2) + '\n', { mode: 0o644 })
    renameSync(tmp, path)
  } catch (err) {
    throw new CliError(`cannot write ${path}: ${(err as Error).message}`)
  }
}

const onOff = (b: boolean) => (b ? 'enabled' : 'disabled')

export default defineCommand({
  name: 'log-service',
  summary: 'Manage the OpenVPN 3 Log service',
  options: [
    { name: 'log-level', arg: 'required', metavar: 'LEVEL', help: 'Set the log level (0-6)' },
    { name: 'timestamp', arg: 'required', metavar: 'true|false', help: 'Time stamp each line' },
    {
      name: 'dbus-details',
      aliases: ['log-dbus-details'],
      arg: 'required',
      metavar: 'true|false',
      help: 'Log D-Bus sender details',
    },
    {
      name: 'enable-log-prefix',
      arg: 'required',
      metavar: 'true|false',
      help: "Prefix lines with the sender's log tag",
    },
    { name: 'list-subscriptions', help: 'List attached log subscriptions (root)' },
    { name: 'config-show', help: 'Show the settings file' },
    {
      name: 'config-set',
      arg: 'required',
      metavar: 'KEY[=VALUE]',
      help: 'Set KEY in the settings file (a boolean KEY alone means true)',
    },
    { name: 'config-unset', arg: 'required', metavar: 'KEY', help: 'Remove KEY from the file' },
    {
      name: 'config-file-override',
      arg: 'required',
      metavar: 'FILE',
      help: 'Settings file to edit instead of the one the service uses',
    },
  ],
  details: [`Settings file keys: ${Object.keys(LOG_CONFIG_KEYS).join(', ')}`],
  async run({ args, out, bus }) {
    const fileOps = ['config-show', 'config-set', 'config-unset'].filter((o) => args.has(o))
    if (fileOps.length > 1) {
      throw new UsageError('use only one of --config-show, --config-set, --config-unset')
    }
    let conn: Awaited<ReturnType<typeof bus>> | undefined
    const logsvc = async () => {
      conn ??= await bus()
      return proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
    }

    if (fileOps.length === 1) {
      let path = args.get('config-file-override')
      if (path === undefined) {
        path = await (await logsvc()).$get('config_file')
        if (path === '') {
          throw new CliError(
            'The log service runs without a settings file; use --config-file-override FILE'
          )
        }
      }
      const cfg = readConfig(path)
      if (args.has('config-show')) {
        out.line(`Settings file: ${path}`)
        out.fields(Object.entries(cfg).map(([k, v]) => [k, JSON.stringify(v)]))
        return
      }
      const setArg = args.get('config-set')
      if (setArg !== undefined) {
        // `KEY=VALUE` (the CLI framework takes no positional arguments; a boolean KEY alone = true)
        const eq = setArg.indexOf('=')
        const key = checkKey(eq < 0 ? setArg : setArg.slice(0, eq))
        const value = configValue(key, eq < 0 ? undefined : setArg.slice(eq + 1))
        const other = key === 'journald' ? 'syslog' : key === 'syslog' ? 'journald' : undefined
        if (other && value === true && cfg[other] === true) {
          throw new UsageError(`${key} and ${other} cannot both be enabled`)
        }
        cfg[key] = value
      } else {
        delete cfg[checkKey(args.get('config-unset') ?? '')]
      }
      writeConfig(path, cfg)
      out.line(`Updated ${path}; the log service applies it when it starts next time.`)
      return
    }

    const svc = await logsvc()
    const level = args.get('log-level')
    if (level !== undefined) {
      if (!/^[0-6]$/.test(level)) throw new UsageError(`--log-level must be 0-6, got '${level}'`)
      await svc.$set('log_level', Number(level))
    }
    const ts = args.get('timestamp')
    if (ts !== undefined) await svc.$set('timestamp', parseBool(ts, '--timestamp'))
    const dd = args.get('dbus-details')
    if (dd !== undefined) await svc.$set('log_dbus_details', parseBool(dd, '--dbus-details'))
    const lp = args.get('enable-log-prefix')
    if (lp !== undefined) {
      await svc.$set('log_prefix_logtag', parseBool(lp, '--enable-log-prefix'))
    }

    if (args.has('list-subscriptions')) {
      const subs = await svc.GetSubscriberList()
      out.line(`${pad('Tag', 22)}${pad('Bus name', 14)}Interface`)
      out.separator()
      for (const [tag, name, iface] of subs) out.line(`${pad(tag, 22)}${pad(name, 14)}${iface}`)
      out.separator()
      return
    }
    const all = await svc.$getAll()
    const file = all['config_file']
    out.fields([
      ['Log method', String(all['log_method'])],
      ['Attached log subscriptions', String(all['num_attached'])],
      ['Log level', String(all['log_level'])],
      ['Timestamps', onOff(all['timestamp'] === true)],
      ['D-Bus details logging', onOff(all['log_dbus_details'] === true)],
      ['Log tag prefix', onOff(all['log_prefix_logtag'] === true)],
      ['Settings file', typeof file === 'string' && file !== '' ? file : '(none)'],
    ])
  },
})
