/**
 * Logging of the backend client process through the shared logging layer (`ServiceLogger`,
 * packages/dbus/src/logging; spec §2.5, §2.6, §2.11, §1.5, §8.2): `Log (uuss)` with the session
 * token, unicast to the log service and the session manager, level filter, secret scrubbing
 * (answers from the input queue are registered with `addSecret`), `Attach`/`AssignSession`/
 * `Detach`, the `last_log_line` property and an optional local copy (`--log-file`).
 * VPN events use group CLIENT, process events BACKENDPROC.
 */
import { appendFileSync } from 'node:fs'
import {
  BusName,
  type DBusConnection,
  InterfaceName,
  LogGroup,
  ObjectPath,
  ServiceLogger,
  Variant,
  plainSink,
} from '@openvpn3-ts/dbus'
import type { VariantValue } from '@openvpn3-ts/dbus'

export interface BackendLogInit {
  /** session token; a warm spare sets it later with setToken() */
  token?: string
  level?: number
  /** `stdout:` or a file path; absent = no local copy */
  logFile?: string
}

function fileStream(path: string): { write(chunk: string): void } {
  if (path === 'stdout:') return process.stdout
  return {
    write(chunk: string) {
      try {
        appendFileSync(path, chunk)
      } catch {
        // a log file we cannot write must not stop the tunnel
      }
    },
  }
}

export class BackendLog {
  readonly logger: ServiceLogger
  #token: string

  constructor(init: BackendLogInit) {
    this.#token = init.token ?? ''
    this.logger = new ServiceLogger({
      group: LogGroup.BACKENDPROC,
      serviceName: 'openvpn3-service-client',
      interface: InterfaceName.backends,
      path: ObjectPath.backendSession,
      level: init.level ?? 3,
      sessionToken: this.#token,
      ...(init.logFile !== undefined
        ? { sink: plainSink({ stream: fileStream(init.logFile) }) }
        : {}),
    })
  }

  /** Starts sending Log signals (log service + session manager) and attaches. */
  async connect(conn: DBusConnection): Promise<void> {
    await this.logger.connect(conn, { extraTargets: [BusName.sessions] })
  }

  /** The token carried by every Log line from now on. */
  setToken(token: string): void {
    this.#token = token
  }

  get level(): number {
    return this.logger.level
  }

  set level(level: number) {
    this.logger.level = level
  }

  /** Unique name of the log service, or '' without one (for StatusChange targets). */
  get logService(): string {
    return this.logger.logService
  }

  /** A value that must never appear in a log line (passwords, challenge answers). */
  addSecret(secret: string): void {
    this.logger.addSecret(secret)
  }

  async assignSession(sessionPath: string): Promise<void> {
    await this.logger.assignSession(sessionPath)
  }

  /** The `last_log_line` property value (empty dict before the first line). */
  lastLogLine(): Record<string, VariantValue> {
    const l = this.logger.lastLine
    if (!l) return {}
    return {
      log_group: new Variant('u', l.group),
      log_category: new Variant('u', l.category),
      log_message: new Variant('s', l.message),
    }
  }

  /** VPN (core) events: group CLIENT. */
  client(category: number, text: string): void {
    this.logger.log(category, text, { group: LogGroup.CLIENT, sessionToken: this.#token })
  }

  /** Process-level events: group BACKENDPROC. */
  proc(category: number, text: string): void {
    this.logger.log(category, text, { group: LogGroup.BACKENDPROC, sessionToken: this.#token })
  }

  async close(): Promise<void> {
    await this.logger.close()
  }
}
