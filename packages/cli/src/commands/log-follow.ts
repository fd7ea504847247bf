/**
 * Following a session's live log (spec dbus-api.md §8.3, §1.5), shared by `openvpn3 log` and
 * `openvpn3 session-start`: subscribe to the forwarded `Log` / `StatusChange` signals (sender
 * `net.openvpn.v3.log`, interface `net.openvpn.v3.backends`, path = the session path) *before*
 * asking the session manager to forward them (`LogForward(true)`), print each line, and stop
 * forwarding (`LogForward(false)`) when done. Also waits for sessions to appear
 * (`SessionManagerEvent` SESS_CREATED) and tells when one is destroyed (SESS_DESTROYED).
 */
import {
  BusName,
  InterfaceName,
  LogCategory,
  ObjectPath,
  SessionManagerEventType,
  StatusMajor,
  StatusMinor,
  logCategoryPasses,
  proxy,
  sessionObjectInterface,
} from '@openvpn3-ts/dbus'
import type { DBusConnection } from '@openvpn3-ts/dbus'

/** One forwarded event. */
export type SessionLogEvent =
  | { kind: 'log'; group: number; category: number; message: string; time: Date }
  | { kind: 'status'; major: number; minor: number; message: string; time: Date }

export interface FollowOptions {
  /** client-side filter (0–6), like upstream's `--log-level` (default 4) */
  level?: number
  onEvent: (ev: SessionLogEvent) => void
}

/** A running follow; `stop()` unsubscribes and turns forwarding off (idempotent). */
export interface SessionLogFollow {
  /**
   * `closing`: the caller closes the bus connection right after, so `LogForward(false)` is
   * sent without waiting for its reply (the session manager still handles it; the log
   * service also drops forwards to vanished receivers) and the match rules are left to go
   * with the connection.
   */
  stop(opts?: { closing?: boolean }): Promise<void>
}

const two = (n: number) => String(n).padStart(2, '0')

/** `YYYY-MM-DD HH:MM:SS` in local time (upstream prints a local time stamp per line). */
export function timeStamp(d: Date): string {
  return (
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ` +
    `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`
  )
}

/** Text of one event as `openvpn3 log` prints it. */
export function formatSessionEvent(ev: SessionLogEvent): string {
  if (ev.kind === 'log') {
    const cat =
      ev.category === LogCategory.INFO ? '' : `${LogCategory.display(ev.category) ?? ''}: `
    return `${timeStamp(ev.time)} ${cat}${ev.message}`
  }
  const major = StatusMajor.display(ev.major) ?? String(ev.major)
  const minor = StatusMinor.display(ev.minor) ?? String(ev.minor)
  return `${timeStamp(ev.time)} [STATUS] ${major}, ${minor}${ev.message ? `: ${ev.message}` : ''}`
}

/**
 * Subscriptions to forwarded log events made before the session path is known (so
 * `session-start` can set them up while `NewTunnel` runs): the match rules name no path and
 * events are passed on only for the session given to `forward()`. The log service sends
 * forwarded signals to us alone, so no other traffic arrives through the wider rules.
 */
export interface PendingSessionLog {
  /** Ask the session manager to forward `sessionPath`'s log (`LogForward(true)`). */
  forward(sessionPath: string): Promise<SessionLogFollow>
  /** Drop the subscriptions (when `forward` is never called or failed; idempotent). */
  cancel(): Promise<void>
}

/** Subscribe to forwarded `Log` / `StatusChange` signals; enable forwarding later. */
export async function subscribeSessionLog(
  conn: DBusConnection,
  opts: FollowOptions,
  sessionPath?: string
): Promise<PendingSessionLog> {
  const level = opts.level ?? 4
  let target = sessionPath
  const match = {
    sender: BusName.log,
    interface: InterfaceName.backends,
    ...(sessionPath === undefined ? {} : { path: sessionPath }),
  }
  const ours = (path: string | undefined) => target !== undefined && path === target
  // both rules in parallel: one round trip instead of two
  const subs = await Promise.allSettled([
    conn.signals.subscribe({ ...match, member: 'Log' }, (msg) => {
      if (msg.signature !== 'uus' || !ours(msg.path)) return
      const [group, category, message] = msg.body as [number, number, string]
      if (!logCategoryPasses(level, category)) return
      opts.onEvent({ kind: 'log', group, category, message, time: new Date() })
    }),
    conn.signals.subscribe({ ...match, member: 'StatusChange' }, (msg) => {
      if (msg.signature !== 'uus' || !ours(msg.path)) return
      const [major, minor, message] = msg.body as [number, number, string]
      opts.onEvent({ kind: 'status', major, minor, message, time: new Date() })
    }),
  ])
  const offs = subs.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))
  let cancelled = false
  const cancel = async () => {
    if (cancelled) return
    cancelled = true
    target = undefined
    if (conn.isClosed) return
    for (const off of offs) await off().catch(() => undefined)
  }
  const failed = subs.find((r) => r.status === 'rejected')
  if (failed) {
    await cancel()
    throw failed.reason
  }
  return {
    cancel,
    async forward(path) {
      if (sessionPath !== undefined && path !== sessionPath)
        throw new TypeError(`subscribed to ${sessionPath}, not ${path}`)
      target = path
      const session = proxy(conn, BusName.sessions, path, sessionObjectInterface)
      try {
        await session.LogForward(true)
      } catch (err) {
        await cancel()
        throw err
      }
      let stopped = false
      return {
        async stop(stopOpts) {
          if (stopped) return
          stopped = true
          if (stopOpts?.closing) {
            target = undefined
            if (!conn.isClosed) void session.$call('LogForward', [false]).catch(() => undefined)
            return
          }
          if (!conn.isClosed) {
            await session.$call('LogForward', [false], { timeoutMs: 3000 }).catch(() => undefined)
          }
          await cancel()
        },
      }
    },
  }
}

/** Subscribe to a session's forwarded log, then enable forwarding. */
export async function followSessionLog(
  conn: DBusConnection,
  sessionPath: string,
  opts: FollowOptions
): Promise<SessionLogFollow> {
  const pending = await subscribeSessionLog(conn, opts, sessionPath)
  return pending.forward(sessionPath)
}

/** Resolves when the session manager reports `sessionPath` destroyed (or stops watching). */
export async function watchSessionEnd(
  conn: DBusConnection,
  sessionPath: string,
  onEnd: () => void
): Promise<() => Promise<void>> {
  return conn.signals.subscribe(
    {
      sender: BusName.sessions,
      interface: InterfaceName.sessions,
      path: ObjectPath.sessions,
      member: 'SessionManagerEvent',
    },
    (msg) => {
      if (msg.body[0] === sessionPath && msg.body[1] === SessionManagerEventType.SESS_DESTROYED) {
        onEnd()
      }
    }
  )
}

/** Calls `onCreated(path)` for every SESS_CREATED broadcast. */
export async function watchSessionCreated(
  conn: DBusConnection,
  onCreated: (path: string) => void
): Promise<() => Promise<void>> {
  return conn.signals.subscribe(
    {
      sender: BusName.sessions,
      interface: InterfaceName.sessions,
      path: ObjectPath.sessions,
      member: 'SessionManagerEvent',
    },
    (msg) => {
      const [path, type] = msg.body as [string, number]
      if (type === SessionManagerEventType.SESS_CREATED) onCreated(path)
    }
  )
}
