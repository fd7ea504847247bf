/**
 * `openvpn3 configs-list` (spec dbus-api.md §13.1, §3.1 FetchAvailableConfigs): the profiles
 * the user can see, as a table (name, last used; `--verbose` adds path, import time, use
 * count, owner), a `--count`, or `--json` (an object keyed by object path). Filters:
 * `--filter-config PREFIX`, `--filter-tag TAG`, `--filter-owner USER`.
 */
import { configInfo, type ConfigInfo } from '../common/config-info.js'
import { configManager, configObject } from '../common/configs.js'
import { defineCommand } from '../framework/command.js'
import { formatTime, pad } from '../framework/output.js'
import { describeUid, resolveUid, userName } from '../framework/users.js'

export default defineCommand({
  name: 'configs-list',
  summary: 'List all available configuration profiles',
  options: [
    { name: 'count', help: 'Only show the number of profiles' },
    { name: 'json', help: 'JSON output' },
    { name: 'verbose', short: 'v', help: 'More details' },
    {
      name: 'filter-config',
      arg: 'required',
      metavar: 'PREFIX',
      help: 'Profiles whose name starts with PREFIX',
    },
    { name: 'filter-tag', arg: 'required', metavar: 'TAG', help: 'Profiles carrying TAG' },
    {
      name: 'filter-owner',
      arg: 'required',
      metavar: 'USER',
      help: 'Profiles owned by USER (name or UID)',
    },
  ],
  async run({ args, out, bus }) {
    const conn = await bus()
    const mgr = configManager(conn)
    const tag = args.get('filter-tag')
    const paths = tag !== undefined ? await mgr.SearchByTag(tag) : await mgr.FetchAvailableConfigs()
    const ownerArg = args.get('filter-owner')
    const owner = ownerArg === undefined ? undefined : resolveUid(ownerArg)
    const prefix = args.get('filter-config')
    const infos: ConfigInfo[] = []
    for (const p of paths) {
      try {
        infos.push(await configInfo(configObject(conn, p)))
      } catch {
        // removed meanwhile
      }
    }
    const shown = infos
      .filter((i) => prefix === undefined || i.name.startsWith(prefix))
      .filter((i) => owner === undefined || i.owner === owner)
      .sort((a, b) => a.name.localeCompare(b.name) || a.path.localeCompare(b.path))
    if (args.has('count')) {
      out.line(String(shown.length))
      return
    }
    if (args.has('json')) {
      out.json(
        Object.fromEntries(
          shown.map((i) => [
            i.path,
            {
              name: i.name,
              owner: userName(i.owner) ?? String(i.owner),
              owner_uid: i.owner,
              imported: formatTime(i.import_timestamp, ''),
              imported_tstamp: i.import_timestamp,
              lastused: formatTime(i.last_used_timestamp, ''),
              lastused_tstamp: i.last_used_timestamp,
              use_count: i.used_count,
              valid: i.valid,
              readonly: i.readonly,
              single_use: i.single_use,
              persistent: i.persistent,
              locked_down: i.locked_down,
              public_access: i.public_access,
              transfer_owner_session: i.transfer_owner_session,
              dco: i.dco,
              tags: i.tags,
            },
          ])
        )
      )
      return
    }
    if (args.has('verbose')) {
      out.line('Configuration path')
      out.line(`${pad('Imported', 32)}${pad('Last used', 26)}Used`)
      out.line(`${pad('Name', 58)}Owner`)
      out.separator()
      for (const i of shown) {
        out.line(i.path)
        out.line(
          `${pad(formatTime(i.import_timestamp), 32)}${pad(formatTime(i.last_used_timestamp), 26)}${i.used_count}`
        )
        out.line(`${pad(i.name, 58)}${describeUid(i.owner)}`)
        if (i.tags.length > 0) out.line(`Tags: ${i.tags.join(', ')}`)
        out.line()
      }
      out.separator()
      return
    }
    out.line(`${pad('Configuration Name', 58)}Last used`)
    out.separator()
    for (const i of shown) out.line(`${pad(i.name, 58)}${formatTime(i.last_used_timestamp)}`)
    out.separator()
  },
})
