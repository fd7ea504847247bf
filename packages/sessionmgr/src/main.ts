/**
 * `openvpn3-service-sessionmgr` entry point (spec dbus-api.md §4 process, §1.7 activation and
 * idle exit): parse options, drop root to the openvpn user, connect to the system bus (or
 * `DBUS_SYSTEM_BUS_ADDRESS`), re-attach to backends that outlived a previous instance, own
 * `net.openvpn.v3.sessions`, log through the log service, exit when idle without sessions.
 * SIGTERM/SIGINT end the service but leave running backends (and their tunnels) alone.
 */
import { chownSync, mkdirSync } from 'node:fs'
import {
  BusName,
  DBusConnection,
  InterfaceName,
  LogGroup,
  ObjectPath,
  ServiceHost,
  ServiceLogger,
  UnknownServiceUserError,
  dropToServiceUser,
  journalSink,
  lookupUid,
  releaseName,
  requestName,
  runServiceMain,
  startIdleExit,
} from '@openvpn3-ts/dbus'
import { SessionManager } from './manager.js'
import { USAGE, parseOptions, type ServiceOptions } from './options.js'
import { SessionStore } from './state.js'

/**
 * Started as root: hand the state directory to the service user and become it. An unknown
 * user leaves the service running as root, with a warning.
 */
function dropRoot(opts: ServiceOptions, log: ServiceLogger): number {
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 })
  try {
    dropToServiceUser(opts.openvpnUser, {
      prepare: (user) => chownSync(opts.stateDir, user.uid, user.gid),
    })
  } catch (err) {
    if (!(err instanceof UnknownServiceUserError)) throw err
    log.warn(`user ${opts.openvpnUser} not found; running as root`)
  }
  return process.getuid?.() ?? 0
}

async function main(opts: ServiceOptions): Promise<number> {
  const log = new ServiceLogger({
    group: LogGroup.SESSIONMGR,
    serviceName: 'openvpn3-service-sessionmgr',
    interface: InterfaceName.sessions,
    path: ObjectPath.sessions,
    level: opts.logLevel,
    sink: journalSink(),
  })
  const myUid = dropRoot(opts, log)
  process.umask(0o077)
  const openvpnUid = lookupUid(opts.openvpnUser) ?? myUid

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

  const conn = await DBusConnection.connect({ callTimeoutMs: 10_000 })
  void conn.closed.then((cause) => {
    if (!stopping) log.error('bus connection lost', { error: cause })
    stop(stopping ? 0 : 1)
  })
  await log.connect(conn)
  const host = new ServiceHost(conn, { onHandlerError: log.handlerError })
  const manager = new SessionManager(host, conn, {
    log,
    store: new SessionStore(opts.stateDir),
    openvpnUid,
  })
  await manager.start()
  // sessions of a previous instance exist before the name is owned (clients never miss them);
  // the backends accept method calls only from the owner of net.openvpn.v3.sessions
  const reattached = await manager.rediscover()
  await requestName(conn, BusName.sessions)
  await manager.adoptBackends()
  log.info(`Session manager ready${reattached ? ` (re-attached ${reattached} session(s))` : ''}`)

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
  await manager.stop()
  try {
    await releaseName(conn, BusName.sessions)
  } catch {
    // bus gone
  }
  await log.close().catch(() => undefined)
  host.close()
  await conn.close().catch(() => undefined)
  return code
}

runServiceMain({ program: 'openvpn3-service-sessionmgr', usage: USAGE, parse: parseOptions }, main)
