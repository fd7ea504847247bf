/**
 * `openvpn3 config-manage` (spec dbus-api.md §13.1, §3.2, §3.7): show and change a profile —
 * `--rename`, `--tag`/`--remove-tag`, `--dco`, one `--<override> VALUE` per override (values
 * checked against the override table; booleans take true/false), `--unset-override NAME`,
 * `--lock-down`, `--seal`, `--show`, and `--exists` (exit code only, with `--quiet`).
 */
import { OVERRIDES, overrideSpec, type OverrideSpec } from '@openvpn3-ts/dbus'
import { configInfo } from '../common/config-info.js'
import {
  CONFIG_OPTION,
  PATH_OPTION,
  configManager,
  configObject,
  resolveConfigPath,
} from '../common/configs.js'
import { parseBool } from '../framework/args.js'
import { defineCommand, type OptionSpec } from '../framework/command.js'
import { CliError, UsageError } from '../framework/errors.js'
import { formatTime, yesNo, type Output } from '../framework/output.js'
import { describeUid } from '../framework/users.js'
import type { ConfigInfo } from '../common/config-info.js'

const overrideOptions: OptionSpec[] = OVERRIDES.map((o) => ({
  name: o.name,
  arg: 'required',
  metavar: o.type === 'b' ? 'true|false' : o.values ? o.values.join('|') : 'VALUE',
  help: o.help,
}))

/** The D-Bus value of an override given on the command line. */
export function overrideValue(spec: OverrideSpec, raw: string): string | boolean {
  if (spec.type === 'b') return parseBool(raw, `--${spec.name}`)
  if (spec.values && !spec.values.includes(raw))
    throw new UsageError(`--${spec.name} must be one of: ${spec.values.join(', ')}`)
  if (spec.name === 'port-override' && !/^\d{1,5}$/.test(raw))
    throw new UsageError('--port-override expects a port number')
  return raw
}

export function showConfig(out: Output, i: ConfigInfo): void {
  out.fields([
    ['Configuration', i.name],
    ['Path', i.path],
    ['Owner', describeUid(i.owner)],
    ['Imported', formatTime(i.import_timestamp)],
    ['Last used', formatTime(i.last_used_timestamp)],
    ['Use count', String(i.used_count)],
    ['Valid', yesNo(i.valid)],
    ['Persistent', yesNo(i.persistent)],
    ['Read only', yesNo(i.readonly)],
    ['Single use', yesNo(i.single_use)],
    ['Locked down', yesNo(i.locked_down)],
    ['Data Channel Offload', yesNo(i.dco)],
    ['Tags', i.tags.length > 0 ? i.tags.join(', ') : '(none)'],
  ])
  const keys = Object.keys(i.overrides).sort()
  if (keys.length === 0) {
    out.line('  Overrides: (none)')
    return
  }
  out.line('  Overrides:')
  out.fields(
    keys.map((k) => [k, String(i.overrides[k])]),
    4
  )
}

export default defineCommand({
  name: 'config-manage',
  summary: 'Manage configuration properties and overrides',
  options: [
    PATH_OPTION,
    CONFIG_OPTION,
    { name: 'rename', short: 'r', arg: 'required', metavar: 'NAME', help: 'Rename the profile' },
    { name: 'tag', arg: 'required', metavar: 'TAG', multiple: true, help: 'Add a tag' },
    { name: 'remove-tag', arg: 'required', metavar: 'TAG', multiple: true, help: 'Remove a tag' },
    { name: 'show', short: 's', help: 'Show the profile properties and overrides' },
    { name: 'exists', help: 'Exit code 0 if the profile exists, 1 otherwise' },
    { name: 'quiet', help: 'Print nothing with --exists' },
    {
      name: 'dco',
      arg: 'required',
      metavar: 'true|false',
      help: 'Use kernel Data Channel Offload',
    },
    {
      name: 'lock-down',
      arg: 'required',
      metavar: 'true|false',
      help: 'Only the owner and the service may read the profile',
    },
    { name: 'seal', help: 'Make the profile read-only for good' },
    ...overrideOptions,
    {
      name: 'unset-override',
      arg: 'required',
      metavar: 'NAME',
      multiple: true,
      help: 'Remove an override',
    },
  ],
  async run({ args, out, bus }) {
    const conn = await bus()
    if (args.has('exists')) {
      const name = args.get('config')
      const path = args.get('path')
      let found = false
      if (name !== undefined) found = (await configManager(conn).LookupConfigName(name)).length > 0
      else if (path !== undefined)
        found = (await configManager(conn).FetchAvailableConfigs()).includes(path)
      else throw new UsageError('--exists needs --config or --path')
      if (!args.has('quiet'))
        out.line(found ? 'Configuration exists' : 'Configuration does not exist')
      return found ? 0 : 1
    }
    // check every value before changing anything
    const overrides = OVERRIDES.filter((o) => args.has(o.name)).map(
      (o) => [o.name, overrideValue(o, args.get(o.name) ?? '')] as const
    )
    const unset = args.all('unset-override')
    for (const u of unset) if (!overrideSpec(u)) throw new UsageError(`unknown override '${u}'`)
    const dco = args.has('dco') ? parseBool(args.get('dco') ?? '', '--dco') : undefined
    const lock = args.has('lock-down')
      ? parseBool(args.get('lock-down') ?? '', '--lock-down')
      : undefined
    const rename = args.get('rename')
    const tags = args.all('tag')
    const untags = args.all('remove-tag')
    const changes =
      overrides.length +
      unset.length +
      tags.length +
      untags.length +
      (dco === undefined ? 0 : 1) +
      (lock === undefined ? 0 : 1) +
      (rename === undefined ? 0 : 1) +
      (args.has('seal') ? 1 : 0)
    if (changes === 0 && !args.has('show'))
      throw new UsageError('nothing to do: give --show or something to change')

    const cfg = configObject(conn, await resolveConfigPath(conn, args))
    const { Variant } = await import('@openvpn3-ts/dbus')
    if (rename !== undefined) {
      await cfg.$set('name', rename)
      out.line(`Configuration renamed to '${rename}'`)
    }
    for (const t of tags) await cfg.AddTag(t)
    for (const t of untags) await cfg.RemoveTag(t)
    if (dco !== undefined) await cfg.$set('dco', dco)
    if (lock !== undefined) await cfg.$set('locked_down', lock)
    for (const [name, value] of overrides) {
      await cfg.SetOverride(name, new Variant(typeof value === 'boolean' ? 'b' : 's', value))
    }
    for (const u of unset) {
      try {
        await cfg.UnsetOverride(u)
      } catch (err) {
        throw new CliError(`Override '${u}' has not been set`, 1, { cause: err })
      }
    }
    if (args.has('seal')) await cfg.Seal()
    if (changes > 0 && rename === undefined) out.line('Configuration updated.')
    if (args.has('show')) showConfig(out, await configInfo(cfg))
    return 0
  },
})
