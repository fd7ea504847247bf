/**
 * Logging of the backend client process (spec §2.5, §2.6, §2.11, §6.4): `Log (uuss)` signals
 * with the session token, unicast to the session manager and the log service (spec §1.5),
 * filtered by the process log level (upstream logfilter), the `last_log_line` property, and an
 * optional local copy on stderr/a file (`--log-file`). Control characters are removed from
 * messages. Callers must never pass secrets here; this module has no way to tell.
 */
import { appendFileSync } from 'node:fs'
import { LogCategory, LogGroup, Variant, logCategoryPasses } from '@openvpn3-ts/dbus'
import type { VariantValue } from '@openvpn3-ts/dbus'

export type LogSink = (group: number, category: number, message: string) => void

export interface BackendLogInit {
  level?: number
  /** `stdout:` or a file path; absent = no local copy */
  logFile?: string
}

/** Removes control characters and trailing newlines (spec §2.11). */
export function cleanLogText(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trimEnd()
}

export class BackendLog {
  level: number
  readonly #logFile: string | undefined
  #sink: LogSink | undefined
  #last: { group: number; category: number; message: string } | undefined

  constructor(init: BackendLogInit = {}) {
    this.level = init.level ?? 3
    this.#logFile = init.logFile
  }

  /** Where `Log` signals go once the bus side is ready. */
  setSink(sink: LogSink | undefined): void {
    this.#sink = sink
  }

  /** The `last_log_line` property value (empty dict before the first line). */
  lastLogLine(): Record<string, VariantValue> {
    const l = this.#last
    if (!l) return {}
    return {
      log_group: new Variant('u', l.group),
      log_category: new Variant('u', l.category),
      log_message: new Variant('s', l.message),
    }
  }

  log(group: number, category: number, text: string): void {
    if (!logCategoryPasses(this.level, category)) return
    const message = cleanLogText(text)
    this.#last = { group, category, message }
    this.#sink?.(group, category, message)
    if (this.#logFile !== undefined) {
      const line = `${LogGroup.display(group) ?? ''} ${LogCategory.display(category) ?? ''}: ${message}\n`
      if (this.#logFile === 'stdout:') process.stdout.write(line)
      else {
        try {
          appendFileSync(this.#logFile, line)
        } catch {
          // a log file we cannot write must not stop the tunnel
        }
      }
    }
  }

  /** VPN (core) events: group CLIENT. */
  client(category: number, text: string): void {
    this.log(LogGroup.CLIENT, category, text)
  }

  /** Process-level events: group BACKENDPROC. */
  proc(category: number, text: string): void {
    this.log(LogGroup.BACKENDPROC, category, text)
  }
}
