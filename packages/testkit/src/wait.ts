/**
 * @module wait
 * Bounded waiting primitives shared by the harness: child exit, polling a condition, sleeping.
 * Every wait has a timeout; none of them spins the CPU.
 */
import type { ChildProcess } from 'node:child_process'
import { TestkitTimeoutError } from './errors.js'

export interface ExitInfo {
  code: number | null
  signal: NodeJS.Signals | null
}

/** Resolves once `child` has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<ExitInfo> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
}

/** Sleeps `ms` milliseconds. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than `undefined`, and resolves
 * with that value; rejects with `TestkitTimeoutError` after `timeoutMs`. `check` may be async.
 * Errors thrown by `check` are retried (the last one becomes the timeout's `cause`).
 * `describe` adds detail (e.g. captured output) to the timeout error.
 */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  opts: {
    timeoutMs: number
    intervalMs?: number
    describe?: () => string
    /** checked before each attempt; a returned Error ends the wait at once */
    abort?: () => Error | undefined
  }
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs
  const interval = opts.intervalMs ?? 50
  let lastError: unknown
  for (;;) {
    const aborted = opts.abort?.()
    if (aborted) throw aborted
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) {
      throw new TestkitTimeoutError(what, opts.timeoutMs, {
        cause: lastError,
        ...(opts.describe ? { detail: opts.describe() } : {}),
      })
    }
    await delay(interval)
  }
}

/** Rejects with `TestkitTimeoutError` if `promise` has not settled within `timeoutMs`. */
export function withTimeout<T>(what: string, promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TestkitTimeoutError(what, timeoutMs)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/**
 * Resolves with `promise`'s value, or with `undefined` once `ms` have passed first. The timer is
 * cleared as soon as the promise settles, so it never keeps the process alive.
 */
export function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
