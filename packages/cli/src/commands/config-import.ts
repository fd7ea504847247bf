/**
 * `openvpn3 config-import` (spec dbus-api.md §13.1, §3.1 Import): read a `.ovpn` file, inline
 * the files it refers to, import it under `--name` (default: the file name) as the calling
 * user, optionally `--persistent`, and add `--tag`s. Every problem the service finds in the
 * profile is printed on its own line.
 */
import { readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import { configManager, configObject } from '../common/configs.js'
import { mergeReferencedFiles } from '../common/merge-files.js'
import { defineCommand } from '../framework/command.js'
import { CliError, UsageError } from '../framework/errors.js'

/** Refuse to read more than this before the service would refuse it anyway. */
const MAX_PROFILE_FILE = 16 * 1024 * 1024

export default defineCommand({
  name: 'config-import',
  summary: 'Import a configuration profile',
  options: [
    {
      name: 'config',
      short: 'c',
      arg: 'required',
      metavar: 'FILE',
      help: 'Configuration file to import',
    },
    {
      name: 'name',
      short: 'n',
      arg: 'required',
      metavar: 'NAME',
      help: 'Name of the profile (default: file name)',
    },
    { name: 'persistent', short: 'p', help: 'Store the profile on disk (survives reboots)' },
    {
      name: 'tag',
      arg: 'required',
      metavar: 'TAG',
      multiple: true,
      help: 'Add a tag (repeatable)',
    },
  ],
  async run({ args, out, bus }) {
    const file = args.get('config')
    if (file === undefined) throw new UsageError('missing --config FILE')
    let text: string
    try {
      const st = statSync(file)
      if (!st.isFile()) throw new CliError(`'${file}' is not a regular file`)
      if (st.size > MAX_PROFILE_FILE)
        throw new CliError(`'${file}' is too large (${st.size} bytes)`)
      text = readFileSync(file, 'utf8')
    } catch (err) {
      if (err instanceof CliError) throw err
      throw new CliError(`Could not read '${file}': ${(err as Error).message}`)
    }
    const merged = mergeReferencedFiles(text, file)
    const name = args.get('name') ?? basename(file)
    const conn = await bus()
    const path = await configManager(conn).Import(name, merged, false, args.has('persistent'))
    const cfg = configObject(conn, path)
    for (const tag of args.all('tag')) await cfg.AddTag(tag)
    out.line(`Configuration imported.  Configuration path: ${path}`)
  },
})
