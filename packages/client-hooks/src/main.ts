#!/usr/bin/env node
/**
 * `openvpn3-hooks`: runs the user's or the admin's connect/disconnect hooks for the VPN
 * sessions this user can see (docs/client-hooks.md). Log lines go to stderr (journald under
 * systemd). Exits 0 on SIGTERM/SIGINT, 1 when the bus connection is lost (the unit
 * restarts it), 2 on a usage error.
 */
import { userInfo } from 'node:os'
import { DBusConnection } from '@openvpn3-ts/dbus'
import { HooksDaemon, type DaemonLogger } from './daemon.js'
import { parseOptions, USAGE, UsageError } from './options.js'

function makeLogger(verbose: boolean): DaemonLogger {
  const write = (lvl: string, line: string) =>
    process.stderr.write(`openvpn3-hooks ${lvl}: ${line}\n`)
  return {
    info: (l) => write('info', l),
    warn: (l) => write('warning', l),
    debug: (l) => {
      if (verbose) write('debug', l)
    },
  }
}

async function main(): Promise<number> {
  const uid = process.getuid?.() ?? 0
  let opts
  try {
    opts = parseOptions(process.argv.slice(2), uid, process.env)
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`openvpn3-hooks: ${err.message}\n${USAGE}\n`)
      return 2
    }
    throw err
  }
  if (!opts) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const log = makeLogger(opts.verbose)
  const me = userInfo()
  const conn = await DBusConnection.connect({ callTimeoutMs: 10_000 })
  const daemon = new HooksDaemon(conn, opts, { uid, user: me.username, home: me.homedir }, log)
  await daemon.start()
  log.info('ready')
  return await new Promise<number>((resolve) => {
    let stopping = false
    const stop = (code: number) => {
      stopping = true
      void daemon
        .stop()
        .catch(() => undefined)
        .then(() => conn.close())
        .catch(() => undefined)
        .then(() => resolve(code))
    }
    process.once('SIGTERM', () => stop(0))
    process.once('SIGINT', () => stop(0))
    void conn.closed.then((cause) => {
      if (stopping) return
      log.warn(`bus connection lost${cause ? `: ${cause.message}` : ''}`)
      resolve(1)
    })
  })
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`openvpn3-hooks: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
)
