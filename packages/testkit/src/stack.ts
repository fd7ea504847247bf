/**
 * @module stack
 * The openvpn3-ts services for a test (spec dbus-api.md §10.1): a private system-like bus with
 * the project's policy, then the picked services as separate processes, each started by its
 * entry file (the harness imports no service code) and awaited by its well-known name:
 *
 *   log           packages/log/src/main.ts             as the openvpn account (root without it)
 *   configmgr     packages/configmgr/src/main.ts       root; drops to the openvpn account itself
 *   netcfg        packages/netcfg/src/main.ts          root in `netns`; drops privileges itself
 *   backendstart  packages/backend/src/starter-main.ts root in `netns` (its clients inherit it)
 *   sessionmgr    packages/sessionmgr/src/main.ts      root, `--openvpn-user root`: it calls the
 *                                                      starter, which answers only its own UID
 *
 * They start in that order, whatever order `services` lists them in. Every state directory,
 * the log file, the backend clients' output and netcfg's resolv.conf live in one temporary
 * directory. `stop()` ends the processes by PID (newest first), stops the bus and removes the
 * directory; a start that fails half-way does the same before it throws, and the exit hooks of
 * cleanup.ts cover a test process that dies.
 */
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startBus, type StartBusOptions, type TestBus } from './bus.js'
import { registerCleanup } from './cleanup.js'
import { startProcess, type TestProcess } from './process.js'
import { REPO_ROOT } from './paths.js'
import { lookupUser, primaryGid } from './users.js'

export const SERVICE_NAMES = ['log', 'configmgr', 'netcfg', 'backendstart', 'sessionmgr'] as const
export type ServiceName = (typeof SERVICE_NAMES)[number]

/** Entry file (repo-relative) and well-known bus name of each service (spec §1.2). */
export const SERVICE_ENTRIES: Readonly<
  Record<ServiceName, { entry: string; dist: string; busName: string }>
> = {
  log: {
    entry: 'packages/log/src/main.ts',
    dist: 'packages/log/dist/main.js',
    busName: 'net.openvpn.v3.log',
  },
  configmgr: {
    entry: 'packages/configmgr/src/main.ts',
    dist: 'packages/configmgr/dist/main.js',
    busName: 'net.openvpn.v3.configuration',
  },
  netcfg: {
    entry: 'packages/netcfg/src/main.ts',
    dist: 'packages/netcfg/dist/main.js',
    busName: 'net.openvpn.v3.netcfg',
  },
  backendstart: {
    entry: 'packages/backend/src/starter-main.ts',
    dist: 'packages/backend/dist/starter-main.js',
    busName: 'net.openvpn.v3.backends',
  },
  sessionmgr: {
    entry: 'packages/sessionmgr/src/main.ts',
    dist: 'packages/sessionmgr/dist/main.js',
    busName: 'net.openvpn.v3.sessions',
  },
}

export interface StartServiceStackOptions {
  /** the services to run (started in the order of `SERVICE_NAMES`) */
  services: readonly ServiceName[]
  /** network namespace for netcfg and backendstart; required with netcfg */
  netns?: string
  /** arguments appended to a service's defaults (e.g. `{ log: ['--log-level', '6'] }`) */
  args?: Partial<Record<ServiceName, readonly string[]>>
  /** run a service as this UID instead of its default (see the module comment) */
  uids?: Partial<Record<ServiceName, number>>
  /** contents of netcfg's resolv.conf (default: one nameserver in 192.0.2.0/24) */
  resolvConf?: string
  bus?: StartBusOptions
  /** bound on each service's start (default 20 s) */
  timeoutMs?: number
  /** copy the services' output to stderr */
  echo?: boolean
  /**
   * how the services run: `tsx` from their sources (default), or `dist`: the compiled
   * `dist/` modules under plain node, as installed services run (needs `npm run build`)
   */
  runner?: 'tsx' | 'dist'
}

/** Files and directories of the stack, all inside `ServiceStack.dir`. */
export interface StackPaths {
  /** the log service's output file and state directory (owned by its UID) */
  logFile: string
  logStateDir: string
  configStateDir: string
  sessionStateDir: string
  /** output of the backend clients (backendstart --client-output) */
  clientOutput: string
  /** netcfg's resolv.conf (written before netcfg starts) */
  resolvConf: string
}

export interface ServiceStack {
  bus: TestBus
  /** the stack's temporary directory (mode 0755; removed by stop()) */
  dir: string
  paths: StackPaths
  /** the running process of `name`; throws if the stack does not run it */
  service(name: ServiceName): TestProcess
  /** PID of each service the stack runs */
  pids(): Partial<Record<ServiceName, number>>
  /** stops `name` (if still running) and starts it again with the same arguments */
  restart(name: ServiceName): Promise<TestProcess>
  /** ends every service by PID, stops the bus, removes `dir`; idempotent */
  stop(): Promise<void>
}

const DEFAULT_RESOLV_CONF = '# test resolv.conf\nnameserver 192.0.2.53\n'

function defaultArgs(name: ServiceName, paths: StackPaths): string[] {
  switch (name) {
    case 'log':
      return ['--log-file', paths.logFile, '--state-dir', paths.logStateDir, '--idle-exit', '0']
    case 'configmgr':
      return ['--idle-exit', '0', '--state-dir', paths.configStateDir]
    case 'netcfg':
      return ['--idle-exit', '0', '--resolv-conf', paths.resolvConf]
    case 'backendstart':
      return ['--idle-exit', '0', '--client-output', paths.clientOutput]
    case 'sessionmgr':
      return ['--idle-exit', '0', '--state-dir', paths.sessionStateDir, '--openvpn-user', 'root']
  }
}

/** Starts the bus and the picked services; see the module comment. */
export async function startServiceStack(opts: StartServiceStackOptions): Promise<ServiceStack> {
  const picked = SERVICE_NAMES.filter((n) => opts.services.includes(n))
  if (picked.includes('netcfg') && opts.netns === undefined) {
    // in the root namespace it would configure this machine's own network
    throw new TypeError('startServiceStack: netcfg needs `netns`')
  }
  const uidOf = (name: ServiceName): number | undefined =>
    opts.uids?.[name] ?? (name === 'log' ? lookupUser('openvpn')?.uid : undefined)

  const dir = mkdtempSync(join(tmpdir(), `ovpn3-stack-${process.pid}-`))
  const unregisterDir = registerCleanup({
    label: `stack dir ${dir}`,
    run: () => rmSync(dir, { recursive: true, force: true }),
  })
  const paths: StackPaths = {
    logFile: join(dir, 'log', 'log-service.log'),
    logStateDir: join(dir, 'log'),
    configStateDir: join(dir, 'configs'),
    sessionStateDir: join(dir, 'sessions'),
    clientOutput: join(dir, 'clients.log'),
    resolvConf: join(dir, 'resolv.conf'),
  }
  const running = new Map<ServiceName, TestProcess>()
  let bus: TestBus | undefined

  let stopping: Promise<void> | undefined
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      const errors: unknown[] = []
      for (const name of [...picked].reverse()) {
        await running
          .get(name)
          ?.stop()
          .catch((e: unknown) => errors.push(e))
      }
      await bus?.stop().catch((e: unknown) => errors.push(e))
      rmSync(dir, { recursive: true, force: true })
      unregisterDir()
      if (errors.length > 0) throw new AggregateError(errors, 'stopping the service stack')
    })()
    return stopping
  }

  const start = async (name: ServiceName, theBus: TestBus): Promise<TestProcess> => {
    const uid = uidOf(name)
    const { entry, dist, busName } = SERVICE_ENTRIES[name]
    const netns = name === 'netcfg' || name === 'backendstart' ? opts.netns : undefined
    const args = [...defaultArgs(name, paths), ...(opts.args?.[name] ?? [])]
    const compiled = opts.runner === 'dist'
    const proc = await startProcess({
      entry: compiled ? process.execPath : entry,
      args: compiled ? [join(REPO_ROOT, dist), ...args] : args,
      bus: theBus,
      ...(uid === undefined || uid === 0 ? {} : { uid }),
      ...(netns === undefined ? {} : { netns }),
      waitForName: busName,
      timeoutMs: opts.timeoutMs ?? 20_000,
      name,
      ...(opts.echo === undefined ? {} : { echo: opts.echo }),
    })
    running.set(name, proc)
    return proc
  }

  try {
    // other UIDs (the openvpn account, CLI users) must reach files in here
    chmodSync(dir, 0o755)
    const logUid = uidOf('log') ?? 0
    mkdirSync(paths.logStateDir, { mode: 0o755 })
    if (logUid !== 0) chownSync(paths.logStateDir, logUid, primaryGid(logUid))
    if (picked.includes('netcfg'))
      writeFileSync(paths.resolvConf, opts.resolvConf ?? DEFAULT_RESOLV_CONF)
    bus = await startBus(opts.bus)
    for (const name of picked) await start(name, bus)
  } catch (err) {
    await stop().catch(() => undefined)
    throw err
  }

  const theBus = bus
  const service = (name: ServiceName): TestProcess => {
    const p = running.get(name)
    if (p === undefined) throw new TypeError(`startServiceStack: ${name} is not in this stack`)
    return p
  }
  return {
    bus: theBus,
    dir,
    paths,
    service,
    pids: () => Object.fromEntries([...running].map(([n, p]) => [n, p.pid])),
    restart: async (name) => {
      if (stopping !== undefined) throw new TypeError('startServiceStack: restart after stop()')
      await service(name).stop()
      return start(name, theBus)
    },
    stop,
  }
}
