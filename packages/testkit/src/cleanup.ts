/**
 * @module cleanup
 * Last-resort teardown of everything the harness started. Each resource (process, bus, lab)
 * registers a synchronous undo step here; the steps run in reverse order when the test process
 * exits, is interrupted (SIGINT/SIGTERM/SIGHUP) or dies of an uncaught error. Normal teardown is
 * each resource's own async `stop()`/`close()`, which unregisters its step.
 */
import { readFileSync } from 'node:fs'

/** One synchronous undo step. It must never throw (errors are swallowed and logged). */
export interface CleanupStep {
  readonly label: string
  run(): void
}

const steps: CleanupStep[] = []
let installed = false
let running = false

/** Registers an undo step; returns the function that unregisters it. */
export function registerCleanup(step: CleanupStep): () => void {
  installHandlers()
  steps.push(step)
  return () => {
    const i = steps.indexOf(step)
    if (i >= 0) steps.splice(i, 1)
  }
}

/** Runs (and forgets) every registered step, newest first. Safe to call more than once. */
export function runAllCleanupSync(): void {
  if (running) return
  running = true
  try {
    while (steps.length > 0) {
      const step = steps.pop()
      if (step === undefined) break
      try {
        step.run()
      } catch (err) {
        process.stderr.write(`testkit: cleanup "${step.label}" failed: ${String(err)}\n`)
      }
    }
  } finally {
    running = false
  }
}

function installHandlers(): void {
  if (installed) return
  installed = true
  process.on('exit', runAllCleanupSync)
  // Monitor only: it does not change how Node reports the error and exits.
  process.on('uncaughtExceptionMonitor', runAllCleanupSync)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      runAllCleanupSync()
      // If nobody else handles the signal, restore the default action and re-raise it.
      if (process.listenerCount(sig) === 1) {
        process.removeListener(sig, onSignal)
        process.kill(process.pid, sig)
      }
    }
    process.on(sig, onSignal)
  }
}

/** True while `pid` exists and is not a zombie (a dead, not yet reaped child). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 3 (after the parenthesised command name) is the state letter.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
    return state !== 'Z' && state !== 'X'
  } catch {
    return false
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/**
 * Synchronous SIGTERM → wait up to `graceMs` → SIGKILL → wait (up to 5 s) until the PID is gone,
 * for use in cleanup steps only (the event loop is not running there, so exit events cannot be
 * awaited).
 */
export function killSync(pid: number, graceMs = 1000): void {
  if (!isAlive(pid)) return
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    return
  }
  const deadline = Date.now() + graceMs
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return
    sleepSync(20)
  }
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    return
  }
  // SIGKILL is delivered asynchronously: a loaded machine can take a moment to tear the process
  // down, and callers rely on it being gone when this returns.
  const killDeadline = Date.now() + 5000
  while (isAlive(pid) && Date.now() < killDeadline) sleepSync(10)
}
