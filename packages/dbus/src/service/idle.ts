/**
 * Idle exit (spec §1.7): a service activated by the bus exits after a period without
 * method calls, unless something keeps it busy (child objects, attached clients).
 */
import type { ServiceHost } from './host.js'

export interface IdleExitOptions {
  /** idle period; 0 or less disables */
  idleMs: number
  /** true while the service must stay (e.g. it has child objects) */
  isBusy?: () => boolean
  onIdle: () => void
  /** how often to check (default min(idleMs/4, 10 s)) */
  checkEveryMs?: number
}

/** Start watching; returns a stop function. Fires `onIdle` at most once. */
export function startIdleExit(host: ServiceHost, opts: IdleExitOptions): () => void {
  if (opts.idleMs <= 0) return () => undefined
  let quietSince = host.lastActivity
  let done = false
  const every = opts.checkEveryMs ?? Math.max(50, Math.min(opts.idleMs / 4, 10_000))
  const timer = setInterval(() => {
    const now = Date.now()
    if (opts.isBusy?.() || host.lastActivity > quietSince) {
      quietSince = Math.max(host.lastActivity, opts.isBusy?.() ? now : quietSince)
      return
    }
    if (now - quietSince >= opts.idleMs && !done) {
      done = true
      clearInterval(timer)
      opts.onIdle()
    }
  }, every)
  timer.unref()
  return () => {
    done = true
    clearInterval(timer)
  }
}
