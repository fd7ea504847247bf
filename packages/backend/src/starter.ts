/**
 * Spawning backend client processes (spec §5 `StartClient`): one detached process per tunnel
 * in its own session (setsid), with a minimal environment plus `DBUS_SYSTEM_BUS_ADDRESS`.
 * Unlike upstream (fork, wait for the intermediate child) the child is spawned directly, so the
 * PID returned is the backend's real PID and the call returns as soon as exec succeeded.
 *
 * How the client runs: compiled JS (`dist/client-main.js`, fastest start) when the starter
 * itself runs compiled, else the TypeScript source through tsx with the `source` condition
 * (`--client-runner` forces either; `--client-binary` names another program).
 */
import { type ChildProcess, spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import { existsSync, openSync, closeSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClientRunner } from './starter-options.js'

export interface ClientCommand {
  command: string
  args: string[]
}

/**
 * V8 flags for a Node client: a smaller young generation. The data path turns over many
 * short-lived buffers; with V8's default semi-space (16 MB) the backend peaks at ~150 MB RSS
 * under iperf3 (tsx run), with 4 MB at ~120–130 MB, same throughput and start time. 1–2 MB
 * save more (~105 MB) but measurably slowed session start (more scavenges while connecting).
 */
export const CLIENT_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=4']

const here = dirname(fileURLToPath(import.meta.url))
const pkgRoot = resolve(here, '..')

/**
 * The command that starts a backend client; `tail` is `[token]`, or `['--token-from-stdin']`
 * for a warm spare.
 */
export function clientCommand(
  tail: readonly string[],
  clientArgs: readonly string[],
  runner: ClientRunner,
  clientBinary?: string
): ClientCommand {
  const token = tail
  if (clientBinary !== undefined) return { command: clientBinary, args: [...clientArgs, ...token] }
  const runningFromSource = import.meta.url.endsWith('.ts')
  const distMain = join(pkgRoot, 'dist', 'client-main.js')
  const useDist =
    runner === 'dist' || (runner === 'auto' && !runningFromSource && existsSync(distMain))
  if (useDist) {
    return {
      command: process.execPath,
      args: [...CLIENT_NODE_FLAGS, distMain, ...clientArgs, ...token],
    }
  }
  const tsx = import.meta.resolve('tsx')
  return {
    command: process.execPath,
    args: [
      ...CLIENT_NODE_FLAGS,
      '--conditions=source',
      '--import',
      tsx,
      join(pkgRoot, 'src', 'client-main.ts'),
      ...clientArgs,
      ...token,
    ],
  }
}

/** Minimal environment of a client: PATH, the bus address, and any `--client-setenv`. */
export function clientEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }
  const bus = process.env['DBUS_SYSTEM_BUS_ADDRESS']
  if (bus !== undefined) env['DBUS_SYSTEM_BUS_ADDRESS'] = bus
  return { ...env, ...extra }
}

export class ClientSpawnError extends Error {
  override readonly name = 'ClientSpawnError'
}

/** Spawns a detached backend client; resolves with its PID once exec succeeded. */
export function spawnClient(
  cmd: ClientCommand,
  env: Record<string, string>,
  output?: string
): Promise<number> {
  return spawnDetached(cmd, env, output, false).then((c) => c.pid)
}

function spawnDetached(
  cmd: ClientCommand,
  env: Record<string, string>,
  output: string | undefined,
  withStdin: boolean
): Promise<{ pid: number; child: ChildProcess }> {
  return new Promise((resolvePid, reject) => {
    const out = output !== undefined ? openSync(output, 'a') : 'ignore'
    const child = spawn(cmd.command, cmd.args, {
      detached: true,
      env,
      cwd: '/',
      stdio: [withStdin ? 'pipe' : 'ignore', out, out],
    })
    if (typeof out === 'number') closeSync(out)
    child.once('error', (err) =>
      reject(new ClientSpawnError(`cannot start ${cmd.command}: ${err.message}`, { cause: err }))
    )
    child.once('spawn', () => {
      child.unref()
      ;(child.stdin as Socket | null)?.unref()
      if (child.pid === undefined) reject(new ClientSpawnError(`no PID for ${cmd.command}`))
      else resolvePid({ pid: child.pid, child })
    })
  })
}

/**
 * One warm spare client (our addition for start time, see bench/backend-start): a client
 * started with `--token-from-stdin` connects to the bus and loads the engine, then waits.
 * `take(token)` writes the token to it and returns its PID, the spare registers at once, and
 * a new spare is started. Closing stdin (here, or when the starter dies) makes a spare exit.
 */
export class WarmSpare {
  #spare: { pid: number; child: ChildProcess } | undefined
  #starting: Promise<void> | undefined
  #closed = false
  #lastStart = 0

  constructor(
    private readonly cmd: ClientCommand,
    private readonly env: Record<string, string>,
    private readonly output: string | undefined
  ) {}

  /** Starts a spare unless one exists (at most one start per second). */
  fill(): void {
    if (this.#closed || this.#spare || this.#starting) return
    const wait = Math.max(0, this.#lastStart + 1000 - Date.now())
    this.#starting = new Promise<void>((r) => setTimeout(r, wait).unref())
      .then(async () => {
        if (this.#closed) return
        this.#lastStart = Date.now()
        const s = await spawnDetached(this.cmd, this.env, this.output, true)
        s.child.stdin?.on('error', () => undefined)
        s.child.once('exit', () => {
          if (this.#spare === s) {
            this.#spare = undefined
            this.fill()
          }
        })
        if (this.#closed) s.child.stdin?.end()
        else this.#spare = s
      })
      .catch(() => undefined)
      .finally(() => {
        this.#starting = undefined
      })
  }

  /** Hands `token` to the spare; undefined when there is none. */
  take(token: string): number | undefined {
    const s = this.#spare
    if (!s || s.child.exitCode !== null || !s.child.stdin?.writable) return undefined
    this.#spare = undefined
    s.child.stdin.end(`${token}\n`)
    setImmediate(() => this.fill())
    return s.pid
  }

  close(): void {
    this.#closed = true
    this.#spare?.child.stdin?.end()
    this.#spare = undefined
  }
}
