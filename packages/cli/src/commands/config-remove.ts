/**
 * `openvpn3 config-remove` (spec dbus-api.md §13.1, §3.2 Remove): delete a profile after the
 * user types YES (or with `--force`).
 */
import { CONFIG_OPTION, PATH_OPTION, configObject, resolveConfigPath } from '../common/configs.js'
import { defineCommand } from '../framework/command.js'
import { CliError } from '../framework/errors.js'

export default defineCommand({
  name: 'config-remove',
  summary: 'Remove an available configuration profile',
  options: [PATH_OPTION, CONFIG_OPTION, { name: 'force', help: 'Remove without asking' }],
  async run({ args, out, bus, prompt }) {
    const conn = await bus()
    const path = await resolveConfigPath(conn, args)
    const cfg = configObject(conn, path)
    if (!args.has('force')) {
      out.line('This operation CANNOT be undone and removes the configuration profile completely.')
      const answer = await prompt.ask("Enter the text 'YES' to confirm: ")
      if (answer.trim() !== 'YES') throw new CliError('Configuration profile was not removed')
    }
    await cfg.Remove()
    out.line('Configuration removed.')
  },
})
