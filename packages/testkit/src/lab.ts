/**
 * @module lab
 * The network-namespace lab: the topology of netns.ts, the PKI of pki.ts and one stock OpenVPN
 * 2.6 server per ServerSpec in the server namespace, each on its own port (1194 + index) and
 * tunnel subnet (198.18.<index+1>.0/24, topology subnet). `close()` tears everything down in
 * reverse order — processes (by PID, including anything else still running inside the lab's
 * namespaces), namespaces, temp dir — and also runs at process exit, on signals and on fatal
 * errors. Setup that fails half-way is undone before the error is thrown.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAlive, killSync, registerCleanup } from './cleanup.js'
import { LabSetupError, ProcessExitedError, tail } from './errors.js'
import { runCommand, type CommandResult } from './exec.js'
import {
  LAB_CHALLENGE_RESPONSE,
  LAB_PASSWORD,
  LAB_USERNAME,
  renderAuthScript,
  renderClientProfile,
  renderServerConfig,
  tunnelNetwork,
  tunnelServerIp,
  type ServerKind,
  type ServerLayout,
  type ServerSpec,
} from './lab-server-config.js'
import {
  CLIENT_ADDR,
  SERVER_ADDR,
  createTopology,
  deleteNamespaceSync,
  namespacePidsSync,
  newTopologyNames,
} from './netns.js'
import { writePki, type LabPki } from './pki.js'
import { startProcess, type TestProcess } from './process.js'
import { reapStaleLabs } from './stale.js'
import { delay, pollUntil } from './wait.js'

export const LAB_BASE_PORT = 1194
export const IPERF_PORT = 5201
const READY_LINE = 'Initialization Sequence Completed'

export interface StartLabOptions {
  servers?: ServerSpec[]
  /** bound on each server's start (default 20 s) */
  timeoutMs?: number
}

export interface LabServer {
  index: number
  kind: ServerKind
  proto: 'udp' | 'tcp'
  port: number
  /** e.g. '198.18.1.0/24' */
  tunnelNetwork: string
  /** the server's own tunnel address, e.g. '198.18.1.1' */
  tunnelServerIp: string
  /** inline client .ovpn for this server */
  profile: string
  /** userpass / static-challenge test user */
  username?: string
  password?: string
  /** static-challenge: the response ("PIN") the server accepts */
  challengeResponse?: string
  configPath: string
  logPath: string
  /** openvpn `status` file (status-version 2, rewritten every second) */
  statusPath: string
  pid: number
  /** server log so far (verb 4) */
  log(): string
  /** waits until the server log matches `re` */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

export interface IperfServer {
  port: number
  pid: number
  stop(): Promise<void>
}

export interface Lab {
  clientNs: string
  serverNs: string
  clientAddr: string
  serverAddr: string
  /** lab temp dir (configs, logs, PKI under pki/) */
  dir: string
  pki: LabPki
  servers: LabServer[]
  /** runs `cmd args…` inside `ns` to completion (never throws on a non-zero exit) */
  exec(
    ns: string,
    cmd: string,
    args: string[],
    opts?: { timeoutMs?: number; input?: string }
  ): Promise<CommandResult>
  /** spawns `cmd args…` inside `ns`; tracked and killed at close() */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess
  /** `iperf3 -s` in the server namespace (port 5201) */
  startIperfServer(): Promise<IperfServer>
  /** removes everything the lab made; idempotent, never throws */
  close(): Promise<void>
}

/** Starts the lab; see the module comment. */
export async function startLab(opts: StartLabOptions = {}): Promise<Lab> {
  reapStaleLabs()
  const specs = opts.servers ?? []
  const timeoutMs = opts.timeoutMs ?? 20_000
  const topo = newTopologyNames()
  const dir = mkdtempSync(join(tmpdir(), `ovpn3-lab-${process.pid}-${topo.id}-`))
  chmodSync(dir, 0o755)
  const namespaces: string[] = []
  const procs = new Set<TestProcess>()
  const children = new Set<ChildProcess>()

  const sweepPidsSync = (): number[] => namespaces.flatMap((ns) => namespacePidsSync(ns))
  const closeSync = (): void => {
    for (const p of procs) killSync(p.pid)
    for (const c of children) if (c.pid !== undefined) killSync(c.pid)
    for (const pid of sweepPidsSync()) killSync(pid)
    for (const ns of [...namespaces].reverse()) deleteNamespaceSync(ns)
    rmSync(dir, { recursive: true, force: true })
  }
  const unregister = registerCleanup({ label: `lab ${topo.id}`, run: closeSync })

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    closing ??= (async () => {
      try {
        await Promise.all([...procs].map((p) => p.stop('SIGTERM', 3000)))
        await Promise.all([...children].map((c) => stopChild(c)))
        await killAll(sweepPidsSync())
      } catch (err) {
        process.stderr.write(`testkit: lab ${topo.id} close: ${String(err)}\n`)
      }
      // Whatever happened above, the sync path finishes the job (a no-op for what is gone).
      closeSync()
      unregister()
    })()
    return closing
  }

  const spawnIn = (ns: string, cmd: string, args: string[]): ChildProcess => {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    children.add(child)
    child.once('exit', () => children.delete(child))
    return child
  }

  try {
    await createTopology(topo, (ns) => namespaces.push(ns))
    const pkiDir = join(dir, 'pki')
    mkdirSync(pkiDir, { mode: 0o755 })
    const pki = await writePki(pkiDir)
    const servers = await Promise.all(
      specs.map((spec, index) =>
        startServer({ spec, index, dir, pki, serverNs: topo.serverNs, timeoutMs, procs })
      )
    )
    return {
      clientNs: topo.clientNs,
      serverNs: topo.serverNs,
      clientAddr: CLIENT_ADDR,
      serverAddr: SERVER_ADDR,
      dir,
      pki,
      servers,
      exec: (ns, cmd, args, o = {}) =>
        runCommand('ip', ['netns', 'exec', ns, cmd, ...args], {
          check: false,
          timeoutMs: o.timeoutMs ?? 30_000,
          ...(o.input === undefined ? {} : { input: o.input }),
        }),
      spawn: spawnIn,
      startIperfServer: async () => {
        const p = await startProcess({
          entry: 'iperf3',
          args: ['-s', '-p', String(IPERF_PORT), '--forceflush'],
          netns: topo.serverNs,
          name: 'iperf3 -s',
          waitForLine: /Server listening on/,
          timeoutMs,
        })
        procs.add(p)
        return { port: IPERF_PORT, pid: p.pid, stop: async () => void (await p.stop()) }
      },
      close,
    }
  } catch (err) {
    await close()
    throw new LabSetupError(`lab ${topo.id} setup failed: ${String(err)}`, { cause: err })
  }
}

interface StartServerInput {
  spec: ServerSpec
  index: number
  dir: string
  pki: LabPki
  serverNs: string
  timeoutMs: number
  procs: Set<TestProcess>
}

async function startServer(i: StartServerInput): Promise<LabServer> {
  const { spec, index, dir, pki } = i
  const proto = spec.proto ?? (spec.kind === 'tcp' ? 'tcp' : 'udp')
  const layout: ServerLayout = {
    index,
    port: LAB_BASE_PORT + index,
    proto,
    serverAddr: SERVER_ADDR,
    subnetOctet: index + 1,
    logPath: join(dir, `server-${index}.log`),
    statusPath: join(dir, `server-${index}.status`),
    authScriptPath: join(dir, `server-${index}-auth.sh`),
  }
  const configPath = join(dir, `server-${index}.conf`)
  writeFileSync(configPath, renderServerConfig(spec, layout, pki))
  const userPass = spec.kind === 'userpass' || spec.kind === 'static-challenge'
  if (userPass) {
    writeFileSync(layout.authScriptPath, renderAuthScript(spec.kind))
    chmodSync(layout.authScriptPath, 0o755)
  }
  const log = (): string => (existsSync(layout.logPath) ? readFileSync(layout.logPath, 'utf8') : '')
  const name = `openvpn server #${index} (${spec.kind})`
  const proc = await startProcess({
    entry: 'openvpn',
    args: ['--config', configPath],
    netns: i.serverNs,
    cwd: dir,
    name,
  })
  i.procs.add(proc)
  const exitedError = (): Error | undefined =>
    proc.exited ? new ProcessExitedError(name, proc.child.exitCode, null, log()) : undefined
  const waitForLog = async (re: RegExp, ms = i.timeoutMs): Promise<void> => {
    await pollUntil(`${re} in the log of ${name}`, () => (re.test(log()) ? true : undefined), {
      timeoutMs: ms,
      intervalMs: 50,
      abort: exitedError,
      describe: () => tail(log()) + proc.output(),
    })
  }
  await waitForLog(new RegExp(READY_LINE))
  return {
    index,
    kind: spec.kind,
    proto,
    port: layout.port,
    tunnelNetwork: tunnelNetwork(layout),
    tunnelServerIp: tunnelServerIp(layout),
    profile: renderClientProfile(spec, layout, pki),
    ...(userPass ? { username: LAB_USERNAME, password: LAB_PASSWORD } : {}),
    ...(spec.kind === 'static-challenge' ? { challengeResponse: LAB_CHALLENGE_RESPONSE } : {}),
    configPath,
    logPath: layout.logPath,
    statusPath: layout.statusPath,
    pid: proc.pid,
    log,
    waitForLog,
    stop: async () => void (await proc.stop('SIGTERM', 3000)),
  }
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.pid === undefined || c.exitCode !== null || c.signalCode !== null) return
  await killAll([c.pid])
}

/** SIGTERM all, wait up to 2 s for them to go, SIGKILL the rest. */
async function killAll(pids: number[]): Promise<void> {
  const alive = pids.filter(isAlive)
  for (const pid of alive) {
    try {
      process.kill(pid, 'SIGTERM')
    } catch {
      // gone already
    }
  }
  const deadline = Date.now() + 2000
  while (Date.now() < deadline && alive.some(isAlive)) await delay(50)
  for (const pid of alive.filter(isAlive)) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone already
    }
  }
}
