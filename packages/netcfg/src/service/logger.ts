/**
 * netcfg's log: lines to stderr (or a file / stdout) filtered by the log level, and the `Log`
 * signal (`uus`: group NETCFG, LogCategory, message; spec §2.11) sent to the log service only
 * (spec §1.5). Control characters are stripped from messages (spec §2.11).
 */
import { appendFileSync } from 'node:fs'
import { LogCategory, LogGroup, logCategoryPasses } from '@openvpn3-ts/dbus'

export type LogSink = (group: number, category: number, message: string, path?: string) => void

export class NetcfgLog {
  level: number
  readonly #file: string | undefined
  #signal: LogSink | undefined

  constructor(level: number, file?: string) {
    this.level = level
    this.#file = file
  }

  /** Where `Log` signals go once the service is on the bus. */
  attachSignal(sink: LogSink | undefined): void {
    this.#signal = sink
  }

  #write(category: number, message: string, path?: string): void {
    // eslint-disable-next-line no-control-regex
    const clean = message.replace(/[\x00-\x1f]/g, '')
    if (!logCategoryPasses(this.level, category)) return
    const line = `${new Date().toISOString()} [netcfg] ${LogCategory.nameOf(category) ?? category}: ${clean}\n`
    if (this.#file === 'stdout:') process.stdout.write(line)
    else if (this.#file !== undefined) {
      try {
        appendFileSync(this.#file, line)
      } catch {
        process.stderr.write(line)
      }
    } else process.stderr.write(line)
    try {
      this.#signal?.(LogGroup.NETCFG, category, clean, path)
    } catch {
      // the bus is gone; the line went to the file already
    }
  }

  debug(m: string, path?: string): void {
    this.#write(LogCategory.DEBUG, m, path)
  }
  verb(m: string, path?: string): void {
    this.#write(LogCategory.VERB1, m, path)
  }
  info(m: string, path?: string): void {
    this.#write(LogCategory.INFO, m, path)
  }
  warn(m: string, path?: string): void {
    this.#write(LogCategory.WARN, m, path)
  }
  error(m: string, path?: string): void {
    this.#write(LogCategory.ERROR, m, path)
  }
  critical(m: string, path?: string): void {
    this.#write(LogCategory.CRIT, m, path)
  }
}
