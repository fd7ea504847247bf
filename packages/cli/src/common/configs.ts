/**
 * Shared pieces of the `config-*` commands (spec dbus-api.md §13.1): the `--path`/`--config`
 * options, resolving a profile name to exactly one object path (`More than one configuration
 * profile was found` when ambiguous, as upstream), and typed proxies of the configuration
 * manager and its objects.
 */
import {
  BusName,
  ObjectPath,
  configurationManagerInterface,
  configurationObjectInterface,
  proxy,
  type DBusConnection,
} from '@openvpn3-ts/dbus'
import type { ParsedArgs } from '../framework/args.js'
import type { OptionSpec } from '../framework/command.js'
import { CliError, UsageError } from '../framework/errors.js'

export const PATH_OPTION: OptionSpec = {
  name: 'path',
  short: 'o',
  aliases: ['config-path'],
  arg: 'required',
  metavar: 'OBJ-PATH',
  help: 'Path to the configuration object',
}

export const CONFIG_OPTION: OptionSpec = {
  name: 'config',
  short: 'c',
  arg: 'required',
  metavar: 'NAME',
  help: 'Name of the configuration profile',
}

export function configManager(conn: DBusConnection) {
  return proxy(conn, BusName.configuration, ObjectPath.configuration, configurationManagerInterface)
}

export function configObject(conn: DBusConnection, path: string) {
  return proxy(conn, BusName.configuration, path, configurationObjectInterface)
}

export type ConfigProxy = ReturnType<typeof configObject>

/** The one profile named by `--path` or `--config`. */
export async function resolveConfigPath(conn: DBusConnection, args: ParsedArgs): Promise<string> {
  const path = args.get('path')
  const name = args.get('config')
  if (path !== undefined && name !== undefined)
    throw new UsageError('use either --path or --config, not both')
  if (path !== undefined) return path
  if (name === undefined) throw new UsageError('a configuration is required: --path or --config')
  const found = await configManager(conn).LookupConfigName(name)
  if (found.length === 0) throw new CliError(`No configuration profiles found named '${name}'`)
  if (found.length > 1) {
    throw new CliError(
      `More than one configuration profile was found with the name '${name}'; use --path`
    )
  }
  return found[0] as string
}
