/**
 * `openvpn3-service-configmgr` entry point (spec dbus-api.md §3 process, §1.7 activation and
 * idle exit): parse options, drop root to the openvpn user, connect to the system bus (or
 * `DBUS_SYSTEM_BUS_ADDRESS`), load persistent profiles, own `net.openvpn.v3.configuration`,
 * attach to the log service, and exit after the idle time when only persistent profiles are
 * in memory. SIGTERM/SIGINT and loss of the bus end the process cleanly.
 */
import { chownSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import {
  BusName,
  DBusConnection,
  ServiceHost,
  UnknownServiceUserError,
  dropToServiceUser,
  lookupUid,
  releaseName,
  requestName,
  runServiceMain,
  startIdleExit,
  type Logger,
} from '@openvpn3-ts/dbus'
import { createServiceLogger } from './log.js'
import { ConfigManager } from './manager.js'
import { USAGE, parseOptions, type ServiceOptions } from './options.js'
import { ProfileStore } from './store.js'

/**
 * Started as root: hand the state directory to the service user and become it. An unknown
 * user leaves the service running as root, with a warning.
 */
function dropRoot(opts: ServiceOptions, log: Logger): number | undefined {
  try {
    dropToServiceUser(opts.openvpnUser, {
      prepare: (user) => {
        mkdirSync(dirname(opts.stateDir), { recursive: true, mode: 0o755 })
        mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 })
        chownSync(opts.stateDir, user.uid, user.gid)
      },
    })
  } catch (err) {
    if (!(err instanceof UnknownServiceUserError)) throw err
    log.warn(`user ${opts.openvpnUser} not found; running as root`)
  }
  return process.getuid?.()
}

async function main(opts: ServiceOptions): Promise<number> {
  const log = createServiceLogger(opts.logLevel)
  const myUid = dropRoot(opts, log)
  process.umask(0o077)
  const openvpnUid = lookupUid(opts.openvpnUser) ?? myUid ?? 0

  let stopping = false
  let resolveDone: (code: number) => void = () => undefined
  const done = new Promise<number>((r) => (resolveDone = r))
  const stop = (code: number) => {
    if (stopping) return
    stopping = true
    resolveDone(code)
  }
  process.on('SIGTERM', () => stop(0))
  process.on('SIGINT', () => stop(0))

  // activated by the bus daemon: connect to the bus that started us
  const starter = process.env.DBUS_STARTER_ADDRESS
  const conn = await DBusConnection.connect({
    callTimeoutMs: 10_000,
    ...(starter ? { address: starter } : {}),
  })
  void conn.closed.then((cause) => {
    if (!stopping) log.error('bus connection lost', cause ? { error: cause } : {})
    stop(stopping ? 0 : 1)
  })
  // Log signals to the log service from here on: attach to it if it runs (never activate
  // it just for us) and follow it when it (re)appears later (spec §1.5, §3, §8.2)
  await log.connect(conn)
  const host = new ServiceHost(conn, { onHandlerError: log.handlerError })
  const manager = new ConfigManager(host, conn, {
    store: new ProfileStore(opts.stateDir),
    openvpnUid,
    log,
  })
  manager.start()
  await requestName(conn, BusName.configuration)
  log.info(`Configuration manager ready (${manager.size} profile(s), state ${opts.stateDir})`)

  const stopIdle = startIdleExit(host, {
    idleMs: opts.idleMinutes * 60_000,
    isBusy: () => manager.busy,
    onIdle: () => {
      log.info('Idle, exiting')
      stop(0)
    },
  })
  const code = await done
  stopIdle()
  try {
    await releaseName(conn, BusName.configuration)
  } catch {
    // bus gone
  }
  // Detach from the log service
  await log.close().catch(() => undefined)
  host.close()
  await conn.close().catch(() => undefined)
  return code
}

runServiceMain({ program: 'openvpn3-service-configmgr', usage: USAGE, parse: parseOptions }, main)
