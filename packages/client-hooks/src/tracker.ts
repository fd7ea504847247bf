/**
 * Per-session connect/disconnect state (spec dbus-api.md §2.1–2.2 status codes). Pure logic:
 * feed it status changes and the session's destruction, it says when to run the connect and
 * disconnect hooks, guaranteeing exactly one disconnect per connect.
 *
 * Policy: CONNECTION/CONN_CONNECTED while not connected → connect. While connected, the
 * end reasons (CONN_DISCONNECTED, CONN_DONE, CONN_FAILED, CONN_AUTH_FAILED, any
 * CONFIG/CFG_ERROR, SESSION/PROC_STOPPED, SESSION/PROC_KILLED) or the session's
 * destruction → disconnect. Pause, resume and reconnect (CONN_PAUSING, CONN_PAUSED,
 * CONN_RESUMING, CONN_RECONNECTING) trigger nothing: the connect/disconnect pair spans
 * the whole connected life of the session, and a CONN_CONNECTED after a reconnect or a
 * resume does not run connect again.
 */
import { StatusMajor, StatusMinor } from '@openvpn3-ts/dbus'

export type TrackerAction =
  { kind: 'connect' } | { kind: 'disconnect'; reason: string; message: string; connectedAt: number }

const END_MINORS: ReadonlySet<number> = new Set([
  StatusMinor.CONN_DISCONNECTED,
  StatusMinor.CONN_DONE,
  StatusMinor.CONN_FAILED,
  StatusMinor.CONN_AUTH_FAILED,
  StatusMinor.CFG_ERROR,
  StatusMinor.PROC_STOPPED,
  StatusMinor.PROC_KILLED,
])

/** StatusMinor name of a value (or `MINOR_<n>` for unknown values). */
export function minorName(minor: number): string {
  return StatusMinor.nameOf(minor) ?? `MINOR_${minor}`
}

export class SessionTracker {
  #connectedAt: number | undefined
  #ended = false

  get connected(): boolean {
    return this.#connectedAt !== undefined
  }

  /** A status change (live signal or a polled `status` value that changed). */
  status(
    major: number,
    minor: number,
    message: string,
    now = Date.now()
  ): TrackerAction | undefined {
    if (this.#ended) return undefined
    if (major === StatusMajor.CONNECTION && minor === StatusMinor.CONN_CONNECTED) {
      if (this.#connectedAt !== undefined) return undefined
      this.#connectedAt = now
      return { kind: 'connect' }
    }
    if (this.#connectedAt !== undefined && END_MINORS.has(minor)) {
      return this.#end(minorName(minor), message)
    }
    return undefined
  }

  /** The session object is gone (SESS_DESTROYED, or it vanished while being watched). */
  destroyed(): TrackerAction | undefined {
    if (this.#ended) return undefined
    const action = this.#connectedAt !== undefined ? this.#end('SESS_DESTROYED', '') : undefined
    this.#ended = true
    return action
  }

  #end(reason: string, message: string): TrackerAction {
    const connectedAt = this.#connectedAt ?? Date.now()
    this.#connectedAt = undefined
    return { kind: 'disconnect', reason, message, connectedAt }
  }
}
