/**
 * What the daemon tells its hooks: one connect or disconnect event of one session, with the
 * session facts read over D-Bus (spec dbus-api.md §4.2 properties) already cleaned.
 */

/** Facts about a session, read from its properties (all optional: reads can fail). */
export interface SessionFacts {
  sessionPath: string
  configName?: string
  sessionName?: string
  device?: string
  proto?: string
  serverIp?: string
  serverPort?: number
  owner?: number
  /** Unix time the session object was created (`session_created`) */
  created?: bigint
}

export interface ConnectEvent {
  kind: 'connect'
  facts: SessionFacts
  /** ms since the epoch when the connect was seen */
  at: number
}

export interface DisconnectEvent {
  kind: 'disconnect'
  facts: SessionFacts
  /** StatusMinor name (e.g. `CONN_DISCONNECTED`) or `SESS_DESTROYED` */
  reason: string
  /** status message text that came with the reason ('' if none) */
  message: string
  /** last statistics read while connected (`BYTES_IN`, …) */
  statistics: Record<string, bigint>
  /** ms since the epoch of the matching connect */
  connectedAt: number
  at: number
}

export type HookEvent = ConnectEvent | DisconnectEvent
