/**
 * `openvpn3 config-dump` (spec dbus-api.md §13.1, §3.6): print a profile as OpenVPN text
 * (`Fetch`) or, with `--json`, as the JSON document (`FetchJSON`), pretty-printed.
 */
import { CONFIG_OPTION, PATH_OPTION, configObject, resolveConfigPath } from '../common/configs.js'
import { defineCommand } from '../framework/command.js'

export default defineCommand({
  name: 'config-dump',
  summary: 'Show/dump a configuration profile',
  options: [
    PATH_OPTION,
    CONFIG_OPTION,
    { name: 'json', short: 'j', help: 'Dump the profile as JSON' },
  ],
  async run({ args, out, bus }) {
    const conn = await bus()
    const cfg = configObject(conn, await resolveConfigPath(conn, args))
    if (args.has('json')) out.json(JSON.parse(await cfg.FetchJSON()) as unknown)
    else out.line((await cfg.Fetch()).replace(/\n$/, ''))
  },
})
