#!/usr/bin/env node
/**
 * `openvpn3-service-backendstart` entry point (spec §5): owns `net.openvpn.v3.backends`,
 * exports `/net/openvpn/v3/backends` with `StartClient(token) → pid` and `version`, attaches to
 * the log service, and exits after `--idle-exit` seconds without calls. Method calls are allowed
 * only from callers with the starter's own effective UID (upstream: the openvpn user).
 * Signals are handled only here (style rule 6).
 */
import {
  AccessDeniedError,
  BusName,
  DBusConnection,
  ErrorDomain,
  InterfaceName,
  LogCategory,
  LogGroup,
  ObjectPath,
  SERVICE_VERSION,
  ServiceError,
  ServiceHost,
  StatusMajor,
  StatusMinor,
  backendStarterInterface,
  getNameOwner,
  logServiceInterface,
  logCategoryPasses,
  proxy,
  releaseName,
  requestName,
  runServiceMain,
  startIdleExit,
} from '@openvpn3-ts/dbus'
import { BackendUsageError } from './errors.js'
import { WarmSpare, clientCommand, clientEnvironment, spawnClient } from './starter.js'
import { STARTER_USAGE, type StarterOptions, parseStarterOptions } from './starter-options.js'

const TOKEN = /^[0-9a-z]{8}t[0-9a-z]{4}t[0-9a-z]{4}t[0-9a-z]{4}t[0-9a-z]{12}$/

async function run(opts: StarterOptions): Promise<number> {
  const signalled = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig))
  })
  const conn = await DBusConnection.connect()
  const host = new ServiceHost(conn)
  const myUid = process.geteuid?.() ?? 0
  let logOwner: string | undefined
  const env = clientEnvironment(opts.clientEnv)
  const spare =
    opts.spareClients > 0
      ? new WarmSpare(
          clientCommand(['--token-from-stdin'], opts.clientArgs, opts.clientRunner),
          env,
          opts.clientOutput
        )
      : undefined

  const starter = host.export(ObjectPath.backends, backendStarterInterface, {
    methods: {
      StartClient: async ({ token }) => {
        if (!TOKEN.test(token)) {
          throw new ServiceError(ErrorDomain.GDBUSPP, `Invalid session token '${token}'`)
        }
        const warm = spare?.take(token)
        if (warm !== undefined) {
          log(LogCategory.VERB1, `Backend client process started as pid ${warm} (warm spare)`)
          return warm
        }
        const cmd = clientCommand([token], opts.clientArgs, opts.clientRunner, opts.clientBinary)
        try {
          const pid = await spawnClient(cmd, env, opts.clientOutput)
          log(LogCategory.VERB1, `Backend client process started as pid ${pid}`)
          return pid
        } catch (err) {
          const text = err instanceof Error ? err.message : String(err)
          log(LogCategory.CRIT, `Failed to start backend client: ${text}`)
          if (logOwner) {
            starter.emit('StatusChange', [StatusMajor.SESSION, StatusMinor.PROC_KILLED, text], {
              destination: logOwner,
            })
          }
          throw new ServiceError(ErrorDomain.GDBUSPP, 'Failed to start backend client')
        }
      },
    },
    properties: { version: { get: () => SERVICE_VERSION } },
    authorize: async (req, ctx) => {
      if (req.kind === 'get') return
      const { uid } = await ctx.caller()
      if (uid !== myUid) throw new AccessDeniedError('Access denied')
    },
  })

  function log(category: number, message: string): void {
    if (!logCategoryPasses(opts.logLevel, category)) return
    if (logOwner)
      starter.emit('Log', [LogGroup.BACKENDSTART, category, message], { destination: logOwner })
    else
      process.stderr.write(`Backend Starter ${LogCategory.display(category) ?? ''}: ${message}\n`)
  }

  let code = 0
  try {
    await requestName(conn, BusName.backends)
    logOwner = await getNameOwner(conn, BusName.log)
    if (logOwner) {
      await proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
        .Attach(InterfaceName.backends)
        .catch(() => undefined)
    }
    log(LogCategory.INFO, `Backend starter ready (pid ${process.pid})`)
    spare?.fill()
    const idle = new Promise<string>((resolve) => {
      startIdleExit(host, { idleMs: opts.idleExitSec * 1000, onIdle: () => resolve('idle') })
    })
    const why = await Promise.race([signalled, idle, conn.closed.then(() => 'bus closed')])
    if (why === 'bus closed') code = 1
  } catch (err) {
    process.stderr.write(
      `openvpn3-service-backendstart: ${err instanceof Error ? err.message : String(err)}\n`
    )
    code = 1
  } finally {
    spare?.close()
    if (logOwner) {
      await proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
        .Detach(InterfaceName.backends)
        .catch(() => undefined)
    }
    host.close()
    await releaseName(conn, BusName.backends).catch(() => undefined)
    await conn.close().catch(() => undefined)
  }
  return code
}

runServiceMain(
  {
    program: 'openvpn3-service-backendstart',
    usage: STARTER_USAGE,
    parse: parseStarterOptions,
    isUsageError: (err) => err instanceof BackendUsageError,
  },
  run
)
