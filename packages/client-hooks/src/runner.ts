/**
 * Running hooks: each hook is spawned directly (no shell) in its own process group with an
 * exact environment, stdin closed, cwd `/`. Output (stdout+stderr) is collected up to a
 * bound. When the timeout passes the whole process group gets SIGTERM, then SIGKILL after a
 * grace period. `runParts` runs a directory's hooks one after another, in order.
 */
import { spawn } from 'node:child_process'
import { scanHookDir } from './hookdir.js'
import { cleanText } from './sanitize.js'

export interface RunOptions {
  /** per-hook limit (ms) */
  timeoutMs: number
  /** SIGTERM → SIGKILL delay (ms, default 2000) */
  graceMs?: number
  /** bytes of output kept per hook (default 4096) */
  maxOutput?: number
}

export interface HookResult {
  path: string
  /** exit code, or null when killed by a signal */
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  /** output, control characters other than newline/tab removed, truncated */
  output: string
  truncated: boolean
  durationMs: number
  /** set when it could not be started */
  spawnError?: string
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig)
  } catch {
    // group already gone
  }
}

/** Runs one hook to completion (or timeout). Never rejects. */
export function runHook(
  path: string,
  env: Record<string, string>,
  opts: RunOptions
): Promise<HookResult> {
  const maxOutput = opts.maxOutput ?? 4096
  const graceMs = opts.graceMs ?? 2000
  const started = Date.now()
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let kept = 0
    let truncated = false
    let timedOut = false
    let done = false
    const child = spawn(path, [], {
      env,
      cwd: '/',
      detached: true,
      shell: false,
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const collect = (b: Buffer) => {
      if (kept >= maxOutput) {
        truncated = true
        return
      }
      const take = b.subarray(0, maxOutput - kept)
      if (take.length < b.length) truncated = true
      chunks.push(take)
      kept += take.length
    }
    child.stdout.on('data', collect)
    child.stderr.on('data', collect)
    let killTimer: NodeJS.Timeout | undefined
    const timer = setTimeout(() => {
      if (child.pid === undefined) return
      timedOut = true
      killGroup(child.pid, 'SIGTERM')
      killTimer = setTimeout(() => {
        if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL')
      }, graceMs)
    }, opts.timeoutMs)
    const finish = (code: number | null, signal: NodeJS.Signals | null, spawnError?: string) => {
      if (done) return
      done = true
      clearTimeout(timer)
      if (killTimer) clearTimeout(killTimer)
      // a hook that timed out may have left children behind in its group
      if (timedOut && child.pid !== undefined) killGroup(child.pid, 'SIGKILL')
      child.stdout.destroy()
      child.stderr.destroy()
      const text = Buffer.concat(chunks).toString('utf8')
      resolve({
        path,
        code,
        signal,
        timedOut,
        output: text
          .split('\n')
          .map((l) => cleanText(l.replaceAll('\t', ' '), maxOutput))
          .join('\n')
          .trimEnd(),
        truncated,
        durationMs: Date.now() - started,
        ...(spawnError === undefined ? {} : { spawnError }),
      })
    }
    child.on('error', (err) => finish(null, null, err.message))
    child.on('exit', (code, signal) => {
      // let buffered output arrive, but do not wait for grandchildren holding the pipes
      setTimeout(() => finish(code, signal), 50)
    })
  })
}

export interface RunPartsReport {
  results: HookResult[]
  refused: { path: string; reason: string }[]
  dirProblem?: string
}

/** Runs every acceptable hook of `dir` in order, sequentially. */
export async function runParts(
  dir: string,
  uid: number,
  env: Record<string, string>,
  opts: RunOptions
): Promise<RunPartsReport> {
  const scan = await scanHookDir(dir, uid)
  const results: HookResult[] = []
  for (const path of scan.runnable) results.push(await runHook(path, env, opts))
  return {
    results,
    refused: scan.refused,
    ...(scan.dirProblem === undefined ? {} : { dirProblem: scan.dirProblem }),
  }
}
