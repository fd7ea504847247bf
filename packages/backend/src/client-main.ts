#!/usr/bin/env node
/**
 * `openvpn3-service-client <token>` entry point (spec §6.1): one process per tunnel. Connects
 * to the system bus (DBUS_SYSTEM_BUS_ADDRESS honoured), exports the backend object, owns
 * `net.openvpn.v3.backends.be<PID>`, sends `RegistrationRequest` to the session manager and
 * serves until Disconnect/ForceShutdown, a signal, loss of the bus, or no registration within
 * REGISTRATION_TIMEOUT_MS. Signals are handled only here (style rule 6).
 */
import {
  DBusConnection,
  ServiceHost,
  releaseName,
  requestName,
  runServiceMain,
} from '@openvpn3-ts/dbus'
import { BackendLog } from './backend-log.js'
import { BackendClient, loadEngineModules } from './client.js'
import { warmUp } from './warm-up.js'
import {
  CLIENT_USAGE,
  type ClientOptions,
  checkToken,
  parseClientOptions,
} from './client-options.js'
import { BackendUsageError } from './errors.js'

/** First line of stdin (a warm spare's token), or undefined at EOF. */
async function readTokenLine(): Promise<string | undefined> {
  let buf = ''
  process.stdin.setEncoding('utf8')
  for await (const chunk of process.stdin) {
    buf += String(chunk)
    const nl = buf.indexOf('\n')
    if (nl >= 0) return buf.slice(0, nl)
    if (buf.length > 256) return undefined
  }
  return undefined
}

/** A backend nobody registers is an orphan: give up after this long. */
const REGISTRATION_TIMEOUT_MS = 60_000

async function run(opts: ClientOptions): Promise<number> {
  const signalled = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      process.once(sig, () => resolve(sig))
    }
  })
  const conn = await DBusConnection.connect({ callTimeoutMs: 15_000 })
  const host = new ServiceHost(conn, {
    onHandlerError: (err, where) =>
      process.stderr.write(
        `openvpn3-service-client: ${where}: ${err instanceof Error ? err.message : String(err)}\n`
      ),
  })
  const log = new BackendLog({
    ...(opts.tokenFromStdin ? {} : { token: opts.token }),
    level: opts.logLevel,
    ...(opts.logFile !== undefined ? { logFile: opts.logFile } : {}),
  })
  const client = new BackendClient(
    { token: opts.token, disableProtectSocket: opts.disableProtectSocket },
    { conn, host, log }
  )
  let code = 0
  try {
    await client.start()
    if (opts.tokenFromStdin) {
      // warm spare: bus connected, object exported, engine loading and warming; wait for a token
      let taken = false
      void warmUp(() => taken).catch(() => undefined)
      const line = await Promise.race([
        readTokenLine(),
        signalled.then(() => undefined),
        conn.closed.then(() => undefined),
      ])
      taken = true
      if (line === undefined) return 0
      client.setToken(checkToken(line))
      process.stdin.destroy()
    }
    await client.register(requestName(conn, client.busName))
    void loadEngineModules().catch(() => undefined)
    const orphan = new Promise<string>((resolve) => {
      const timer = setTimeout(() => {
        if (!client.registered) resolve('no registration')
      }, REGISTRATION_TIMEOUT_MS)
      timer.unref()
    })
    const why = await Promise.race([
      signalled,
      client.done,
      orphan,
      conn.closed.then(() => 'bus closed'),
    ])
    if (why === 'no registration' || why === 'bus closed') code = 1
  } catch (err) {
    process.stderr.write(
      `openvpn3-service-client: ${err instanceof Error ? err.message : String(err)}\n`
    )
    code = 1
  } finally {
    await client.stop().catch(() => undefined)
    host.close()
    await releaseName(conn, client.busName).catch(() => undefined)
    await conn.close().catch(() => undefined)
  }
  return code
}

runServiceMain(
  {
    program: 'openvpn3-service-client',
    usage: CLIENT_USAGE,
    parse: parseClientOptions,
    isUsageError: (err) => err instanceof BackendUsageError,
    usageExitCode: 1,
  },
  run
)
