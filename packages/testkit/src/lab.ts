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
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAlive, killSync, registerCleanup } from './cleanup.js'
import { LabSetupError } from './errors.js'
import { runCommand, type CommandResult } from './exec.js'
import type { ServerSpec } from './lab-server-config.js'
import { startServer, type LabServer } from './lab-server.js'
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
import { delay } from './wait.js'

export const IPERF_PORT = 5201

export type { LabServer }

export interface StartLabOptions {
  servers?: ServerSpec[]
  /** bound on each server's start (default 20 s) */
  timeoutMs?: number
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
  /** names of the TUN devices in `ns` (default: the client namespace) */
  tunDevices(ns?: string): Promise<string[]>
  /** spawns `cmd args…` inside `ns`; tracked and killed at close() */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess
  /** `iperf3 -s` in the server namespace (port 5201) */
  startIperfServer(): Promise<IperfServer>
  /** removes everything the lab made; idempotent, never throws */
  close(): Promise<void>
}

/** Device names from `ip -o link show` output (`7: tun0: <...>` → `tun0`). */
export function parseTunDevices(ipOutput: string): string[] {
  return ipOutput
    .split('\n')
    .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
    .filter((x): x is string => x !== undefined)
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
      tunDevices: async (ns = topo.clientNs) => {
        const r = await runCommand(
          'ip',
          ['netns', 'exec', ns, 'ip', '-o', 'link', 'show', 'type', 'tun'],
          { timeoutMs: 10_000 }
        )
        return parseTunDevices(r.stdout)
      },
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
