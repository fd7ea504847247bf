/**
 * Shared pieces of the `session-*` / `sessions-list` commands (spec dbus-api.md §13.1, §4,
 * §6.5, §10.1): session selection by `--path`, `--config` or `--interface`, typed proxies,
 * the user-input queue walk (prompting on the terminal, hidden where the backend asks, or
 * answering from non-interactive credentials), and credential files that must be private to
 * their owner. Not a command itself (no entry in the command table).
 */
import { readFileSync, statSync } from 'node:fs'
import {
  BusName,
  ObjectPath,
  proxy,
  sessionManagerInterface,
  sessionObjectInterface,
  type DBusConnection,
} from '@openvpn3-ts/dbus'
import type { ParsedArgs } from '../framework/args.js'
import type { OptionSpec } from '../framework/command.js'
import { CliError, UsageError } from '../framework/errors.js'
import type { Prompter } from '../framework/prompt.js'

export const SESSION_PATH_OPTION: OptionSpec = {
  name: 'path',
  short: 'o',
  aliases: ['session-path'],
  arg: 'required',
  metavar: 'SESSION-PATH',
  help: 'Path to the session object',
}
export const SESSION_CONFIG_OPTION: OptionSpec = {
  name: 'config',
  short: 'c',
  arg: 'required',
  metavar: 'CONFIG-NAME',
  help: 'Configuration profile name of the session',
}
export const SESSION_INTERFACE_OPTION: OptionSpec = {
  name: 'interface',
  short: 'I',
  arg: 'required',
  metavar: 'INTERFACE',
  help: 'Tunnel interface of the session',
}
export const SESSION_SELECT_OPTIONS = [
  SESSION_PATH_OPTION,
  SESSION_CONFIG_OPTION,
  SESSION_INTERFACE_OPTION,
] as const

export function sessionManager(conn: DBusConnection) {
  return proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
}

export function sessionObject(conn: DBusConnection, path: string) {
  return proxy(conn, BusName.sessions, path, sessionObjectInterface)
}

export type SessionProxy = ReturnType<typeof sessionObject>

/** The one session named by `--path`, `--config` or `--interface`. */
export async function resolveSessionPath(conn: DBusConnection, args: ParsedArgs): Promise<string> {
  const given = (['path', 'config', 'interface'] as const).filter((o) => args.has(o))
  if (given.length > 1) throw new UsageError('use only one of --path, --config, --interface')
  const path = args.get('path')
  if (path !== undefined) return path
  const mgr = sessionManager(conn)
  const name = args.get('config')
  if (name !== undefined) {
    const found = await mgr.LookupConfigName(name)
    if (found.length === 0)
      throw new CliError(`No sessions started with the configuration profile '${name}'`)
    if (found.length > 1) throw new CliError(`More than one session uses '${name}'; use --path`)
    return found[0] ?? '/'
  }
  const dev = args.get('interface')
  if (dev !== undefined) return mgr.LookupInterface(dev)
  throw new UsageError('a session is required: --path, --config or --interface')
}

/** Largest credentials file accepted. */
const MAX_AUTH_FILE = 64 * 1024

/**
 * Non-interactive answers for the user-input queue, keyed by slot name (`username`,
 * `password`, `static_challenge`, `pk_passphrase`, …). A file is either `name=value` lines
 * or OpenVPN's auth-user-pass format (username on line 1, password on line 2). The file must
 * not be readable or writable by group or others.
 */
export function readAuthFile(file: string): Map<string, string> {
  let text: string
  try {
    const st = statSync(file)
    if (!st.isFile()) throw new CliError(`'${file}' is not a regular file`)
    if ((st.mode & 0o077) !== 0)
      throw new CliError(`'${file}' is accessible by group or others; chmod 600 it`)
    if (st.size > MAX_AUTH_FILE) throw new CliError(`'${file}' is too large`)
    text = readFileSync(file, 'utf8')
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(`Could not read '${file}': ${(err as Error).message}`, 1, { cause: err })
  }
  return parseAuthText(text)
}

export function parseAuthText(text: string): Map<string, string> {
  const lines = text.split(/\r?\n/).filter((l) => l !== '')
  const answers = new Map<string, string>()
  const kv = lines.every((l) => /^[a-z_]+=/.test(l))
  if (kv) {
    for (const l of lines) {
      const i = l.indexOf('=')
      answers.set(l.slice(0, i), l.slice(i + 1))
    }
  } else {
    if (lines[0] !== undefined) answers.set('username', lines[0])
    if (lines[1] !== undefined) answers.set('password', lines[1])
  }
  return answers
}

/**
 * Answer every pending slot of the session's user-input queue (spec §6.5): from `answers`
 * when it has the slot's name, else by prompting (`hidden` as the backend says).
 * Returns how many slots were answered.
 */
export async function answerInputQueue(
  session: SessionProxy,
  prompt: Prompter,
  answers: ReadonlyMap<string, string>
): Promise<number> {
  let n = 0
  for (const [type, group] of await session.UserInputQueueGetTypeGroup()) {
    for (const id of await session.UserInputQueueCheck(type, group)) {
      const [, , , name, description, hidden] = await session.UserInputQueueFetch(type, group, id)
      let value = answers.get(name)
      if (value === undefined) {
        value = await prompt.ask(`${description || name}: `, { hidden })
        // without a terminal nothing echoed the answer: end the prompt line
        if (!process.stdin.isTTY) process.stderr.write('\n')
      }
      await session.UserInputProvide(type, group, id, value)
      n += 1
    }
  }
  return n
}

/** `udp:192.0.2.1:1194` style text of `connected_to`, or '' when not connected. */
export function connectedToText(c: readonly [string, string, number]): string {
  const [proto, ip, port] = c
  if (!ip) return ''
  return `${proto}:[${ip}]:${port}`
}
