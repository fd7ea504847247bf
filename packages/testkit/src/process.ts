/**
 * @module process
 * Runs a service, a CLI or any program as a separate, tracked process: a `.ts` entry goes through
 * `node --conditions=source --import tsx` (cwd = repo root), optionally as another UID (setpriv)
 * and/or inside a network namespace (ip netns exec). Both wrappers exec, so the PID we hold is
 * the program's own. Output is captured; every process is killed by PID at test-process exit.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { isAbsolute, resolve } from 'node:path'
import { waitForBusName } from './bus-names.js'
import type { TestBus } from './bus.js'
import { isAlive, killSync, registerCleanup } from './cleanup.js'
import { ProcessExitedError, TestkitTimeoutError, tail } from './errors.js'
import { REPO_ROOT } from './paths.js'
import { primaryGid } from './users.js'
import { settleWithin, waitForExit, type ExitInfo } from './wait.js'

export interface StartProcessOptions {
  /** a `.ts`/`.mts` file (run through tsx; relative to the repo root) or an executable */
  entry: string
  args?: string[]
  /** base environment (default process.env); DBUS_SYSTEM_BUS_ADDRESS is added from `bus` */
  env?: NodeJS.ProcessEnv
  bus?: Pick<TestBus, 'address'>
  /** run as this UID (setpriv --reuid --regid --clear-groups); gid defaults to its primary group */
  uid?: number
  gid?: number
  /** run inside this network namespace (ip netns exec) */
  netns?: string
  /** resolve once this well-known name is owned on `bus` */
  waitForName?: string
  /** resolve once the combined stdout+stderr matches */
  waitForLine?: RegExp
  /** bound on each wait (default 10 s) */
  timeoutMs?: number
  cwd?: string
  /** 'pipe' to write to the child's stdin through `child.stdin` (default 'ignore') */
  stdin?: 'pipe' | 'ignore'
  /** copy the child's output to our stderr as it arrives (also: TESTKIT_ECHO=1) */
  echo?: boolean
  /** label used in error messages (default: the entry) */
  name?: string
}

export interface TestProcess {
  pid: number
  child: ChildProcess
  /** the full command line that was spawned */
  command: string[]
  /** combined stdout+stderr so far */
  output(): string
  stdout(): string
  stderr(): string
  /** true once the process has exited */
  readonly exited: boolean
  /** waits until the combined output (from the start) matches `re` */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>
  /** waits for the process to exit by itself */
  waitForExit(timeoutMs?: number): Promise<ExitInfo>
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs` (default 3 s); resolves with the exit code */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<number | null>
}

const MAX_CAPTURE = 4 * 1024 * 1024

/** Builds the argv for `opts` (exported for tests and for callers that spawn themselves). */
export function buildCommand(opts: StartProcessOptions): string[] {
  const isTs = /\.m?ts$/.test(opts.entry)
  const entry =
    isTs || opts.entry.includes('/')
      ? isAbsolute(opts.entry)
        ? opts.entry
        : resolve(opts.cwd ?? REPO_ROOT, opts.entry)
      : opts.entry
  let argv = isTs
    ? [process.execPath, '--conditions=source', '--import', 'tsx', entry, ...(opts.args ?? [])]
    : [entry, ...(opts.args ?? [])]
  if (opts.uid !== undefined) {
    const gid = opts.gid ?? primaryGid(opts.uid)
    argv = ['setpriv', `--reuid=${opts.uid}`, `--regid=${gid}`, '--clear-groups', '--', ...argv]
  } else if (opts.gid !== undefined) {
    argv = ['setpriv', `--regid=${opts.gid}`, '--clear-groups', '--', ...argv]
  }
  if (opts.netns !== undefined) argv = ['ip', 'netns', 'exec', opts.netns, ...argv]
  return argv
}

/** Starts a tracked process; see `StartProcessOptions`. */
export async function startProcess(opts: StartProcessOptions): Promise<TestProcess> {
  const argv = buildCommand(opts)
  const label = opts.name ?? opts.entry
  const timeoutMs = opts.timeoutMs ?? 10_000
  const echo = opts.echo ?? process.env['TESTKIT_ECHO'] === '1'
  const env: NodeJS.ProcessEnv = { ...(opts.env ?? process.env) }
  if (opts.bus) env['DBUS_SYSTEM_BUS_ADDRESS'] = opts.bus.address

  const [cmd, ...args] = argv as [string, ...string[]]
  const child = spawn(cmd, args, {
    cwd: opts.cwd ?? REPO_ROOT,
    env,
    stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
  })

  let all = ''
  let out = ''
  let err = ''
  const listeners = new Set<() => void>()
  const append = (prev: string, d: string): string => {
    const next = prev + d
    return next.length > MAX_CAPTURE ? next.slice(next.length - MAX_CAPTURE) : next
  }
  const onData = (which: 'out' | 'err') => (d: string) => {
    all = append(all, d)
    if (which === 'out') out = append(out, d)
    else err = append(err, d)
    if (echo) process.stderr.write(`[${label}] ${d}`)
    for (const l of listeners) l()
  }
  child.stdout?.setEncoding('utf8').on('data', onData('out'))
  child.stderr?.setEncoding('utf8').on('data', onData('err'))

  let spawnError: Error | undefined
  child.on('error', (e) => {
    spawnError = e
    for (const l of listeners) l()
  })
  const exited = waitForExit(child)
  let exitInfo: ExitInfo | undefined
  void exited.then((info) => {
    exitInfo = info
    for (const l of listeners) l()
  })

  const pid = child.pid
  const unregister =
    pid === undefined
      ? () => undefined
      : registerCleanup({ label: `process ${label} (${pid})`, run: () => killSync(pid) })
  void exited.then(() => unregister())

  const exitedError = (): Error | undefined => {
    if (spawnError) return spawnError
    if (exitInfo) return new ProcessExitedError(label, exitInfo.code, exitInfo.signal, all)
    return undefined
  }

  const waitForLine = (re: RegExp, ms = timeoutMs): Promise<RegExpMatchArray> =>
    new Promise((resolvePromise, reject) => {
      const check = (): void => {
        const m = all.match(re)
        if (m) {
          done()
          resolvePromise(m)
          return
        }
        const e = exitedError()
        if (e) {
          done()
          reject(e)
        }
      }
      const timer = setTimeout(() => {
        done()
        reject(new TestkitTimeoutError(`${re} in output of ${label}`, ms, { detail: tail(all) }))
      }, ms)
      const done = (): void => {
        clearTimeout(timer)
        listeners.delete(check)
      }
      listeners.add(check)
      check()
    })

  let stopping: Promise<number | null> | undefined
  const stop = (signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<number | null> => {
    stopping ??= (async () => {
      if (exitInfo === undefined && pid !== undefined && isAlive(pid)) {
        child.kill(signal)
        const info = await settleWithin(exited, graceMs)
        if (info === undefined) {
          child.kill('SIGKILL')
          await settleWithin(exited, 5000)
        }
      }
      unregister()
      return exitInfo?.code ?? null
    })()
    return stopping
  }

  const proc: TestProcess = {
    pid: pid ?? -1,
    child,
    command: argv,
    output: () => all,
    stdout: () => out,
    stderr: () => err,
    get exited() {
      return exitInfo !== undefined
    },
    waitForLine,
    waitForExit: async (ms = timeoutMs) => {
      const info = await settleWithin(exited, ms)
      if (info === undefined) {
        throw new TestkitTimeoutError(`exit of ${label}`, ms, { detail: tail(all) })
      }
      return info
    },
    stop,
  }

  try {
    if (pid === undefined) {
      await new Promise((r) => setImmediate(r))
      throw spawnError ?? new ProcessExitedError(label, null, null, 'spawn failed')
    }
    if (opts.waitForLine) await waitForLine(opts.waitForLine)
    if (opts.waitForName !== undefined) {
      if (!opts.bus) throw new TypeError('startProcess: waitForName needs `bus`')
      await waitForBusName(opts.bus.address, opts.waitForName, {
        timeoutMs,
        abort: exitedError,
        describe: () => tail(all),
      })
    }
  } catch (e) {
    await stop('SIGKILL', 0)
    throw e
  }
  return proc
}
