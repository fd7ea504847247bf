/**
 * `openvpn3 log` (spec dbus-api.md §13.1, §8.3): show a session's live log. The session is
 * given by `--session-path`, `--config NAME` or `--interface IF`; with `--config` and no such
 * session yet, it waits for one to be created (SESS_CREATED). Lines come through the log
 * service's forwarding (`LogForward`), filtered by `--log-level` (default 4). Runs until the
 * session is destroyed, the session manager goes away, or SIGINT/SIGTERM.
 */
import {
  BusName,
  DBusCallError,
  ObjectPath,
  proxy,
  sessionManagerInterface,
  sessionObjectInterface,
  watchNameVanish,
} from '@openvpn3-ts/dbus'
import type { DBusConnection } from '@openvpn3-ts/dbus'
import { defineCommand } from '../framework/command.js'
import { CliError, UsageError } from '../framework/errors.js'
import {
  followSessionLog,
  formatSessionEvent,
  watchSessionCreated,
  watchSessionEnd,
} from './log-follow.js'

export const DEFAULT_FOLLOW_LEVEL = 4

/** Parse `--log-level` (0–6). */
export function parseLevel(v: string | undefined): number {
  if (v === undefined) return DEFAULT_FOLLOW_LEVEL
  if (!/^[0-6]$/.test(v)) throw new UsageError(`--log-level must be 0-6, got '${v}'`)
  return Number(v)
}

/** First session started from profile `name`, waiting for one when none runs yet. */
async function sessionOfConfig(
  conn: DBusConnection,
  name: string,
  stopped: Promise<string>,
  announce: () => void
): Promise<string | undefined> {
  const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
  let found: ((p: string) => void) | undefined
  const created = new Promise<string>((resolve) => (found = resolve))
  // subscribe first, then look up: a session created in between is not missed
  const off = await watchSessionCreated(conn, (path) => {
    const s = proxy(conn, BusName.sessions, path, sessionObjectInterface)
    s.$get('config_name').then(
      (n) => {
        if (n === name) found?.(path)
      },
      () => undefined
    )
  })
  try {
    const paths = await mgr.LookupConfigName(name)
    if (paths.length > 1) {
      throw new CliError(`More than one session with the configuration profile name '${name}'`)
    }
    if (paths[0] !== undefined) return paths[0]
    announce()
    const r = await Promise.race([created, stopped.then(() => undefined)])
    return r
  } finally {
    await off().catch(() => undefined)
  }
}

export default defineCommand({
  name: 'log',
  summary: 'Receive log events as they occur',
  options: [
    {
      name: 'session-path',
      aliases: ['path'],
      short: 'o',
      arg: 'required',
      metavar: 'SESSION-PATH',
      help: 'Session path to follow',
    },
    {
      name: 'config',
      short: 'c',
      arg: 'required',
      metavar: 'CONFIG-NAME',
      help: 'Follow the session started from this configuration profile (waits for it)',
    },
    {
      name: 'interface',
      short: 'I',
      arg: 'required',
      metavar: 'INTERFACE',
      help: 'Follow the session using this tunnel interface',
    },
    {
      name: 'log-level',
      arg: 'required',
      metavar: 'LEVEL',
      help: `Show log events up to this level, 0-6 (default ${DEFAULT_FOLLOW_LEVEL})`,
    },
  ],
  details: ['Press Ctrl-C to stop following.'],
  async run({ args, out, bus }) {
    const picked = ['session-path', 'config', 'interface'].filter((o) => args.has(o))
    if (picked.length !== 1) {
      throw new UsageError('give exactly one of --session-path, --config or --interface')
    }
    const level = parseLevel(args.get('log-level'))
    const conn = await bus()

    let stop!: (why: string) => void
    const stopped = new Promise<string>((resolve) => (stop = resolve))
    const onSignal = () => stop('interrupted')
    process.once('SIGINT', onSignal)
    process.once('SIGTERM', onSignal)
    const cleanups: (() => Promise<void>)[] = []
    try {
      const smGone = await watchNameVanish(conn, BusName.sessions, () =>
        stop('The session manager is not running')
      )
      cleanups.push(() => smGone.cancel())
      let path: string | undefined
      const cfg = args.get('config')
      const iface = args.get('interface')
      if (cfg !== undefined) {
        path = await sessionOfConfig(conn, cfg, stopped, () =>
          out.line(`Waiting for a session with the configuration profile '${cfg}' to start ...`)
        )
      } else if (iface !== undefined) {
        const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
        path = await mgr.LookupInterface(iface)
      } else path = args.get('session-path')
      if (path === undefined) return 1
      const sessionPath = path

      const off = await watchSessionEnd(conn, sessionPath, () => stop('Session closed'))
      cleanups.push(off)
      let follow
      try {
        follow = await followSessionLog(conn, sessionPath, {
          level,
          onEvent: (ev) => out.line(formatSessionEvent(ev)),
        })
      } catch (err) {
        if (err instanceof DBusCallError) throw new CliError(`${sessionPath}: ${err.text}`)
        throw err
      }
      cleanups.push(() => follow.stop())
      out.line(`Following the log of ${sessionPath} (log level ${level}, Ctrl-C to stop)`)
      const why = await stopped
      if (why !== 'interrupted') out.line(why)
      return why === 'The session manager is not running' ? 1 : 0
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
      for (const c of cleanups.reverse()) await c().catch(() => undefined)
    }
  },
})
