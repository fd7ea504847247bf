/**
 * A winston transport to syslog without native modules: Node's `dgram` cannot open the unix
 * datagram socket `/dev/log`, so lines are piped to one long-lived util-linux `logger
 * --prio-prefix` process, each prefixed with `<facility*8 + severity>` (RFC 3164 PRI), which
 * `logger` turns into the message priority. `logger` is restarted (at most once a second) if
 * it exits. Facility names as syslog(3): DAEMON (default), USER, LOCAL0–LOCAL7, optionally
 * with a `LOG_` prefix (spec §8.1 `--syslog-facility`).
 */
import { spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import type { Readable, Writable } from 'node:stream'
import TransportStream from 'winston-transport'
import { LogConfigError } from '../errors.js'

const MESSAGE = Symbol.for('message')

/** syslog(3) facility codes. */
const FACILITY: Record<string, number> = {
  USER: 1,
  DAEMON: 3,
  LOCAL0: 16,
  LOCAL1: 17,
  LOCAL2: 18,
  LOCAL3: 19,
  LOCAL4: 20,
  LOCAL5: 21,
  LOCAL6: 22,
  LOCAL7: 23,
}

/** Facility code of `LOG_DAEMON` / `daemon` / `local3` …; throws LogConfigError. */
export function facilityCode(name: string): number {
  const code = FACILITY[name.toUpperCase().replace(/^LOG_/, '')]
  if (code === undefined) throw new LogConfigError(`unknown syslog facility '${name}'`)
  return code
}

export interface SyslogOptions {
  facility?: string
  /** syslog tag (default openvpn3-service-log) */
  tag?: string
  /** unix socket instead of the system default (/dev/log), for tests */
  socket?: string
  /** logger program (default `logger` from PATH) */
  program?: string
}

export class SyslogProcessTransport extends TransportStream {
  readonly #facility: number
  readonly #args: string[]
  readonly #program: string
  #child: ChildProcessByStdio<Writable, null, Readable> | undefined
  #lastSpawn = 0
  #dropped = 0

  constructor(opts: SyslogOptions = {}) {
    super({})
    this.#facility = facilityCode(opts.facility ?? 'LOG_DAEMON')
    this.#program = opts.program ?? 'logger'
    this.#args = [
      '--prio-prefix',
      '--socket-errors=off',
      '-t',
      opts.tag ?? 'openvpn3-service-log',
      ...(opts.socket !== undefined ? ['--socket', opts.socket] : []),
    ]
  }

  /** Lines that could not be handed to `logger` (it was down). */
  get dropped(): number {
    return this.#dropped
  }

  #ensure(): ChildProcessByStdio<Writable, null, Readable> | undefined {
    if (this.#child && this.#child.exitCode === null && !this.#child.killed) return this.#child
    if (Date.now() - this.#lastSpawn < 1000) return undefined
    this.#lastSpawn = Date.now()
    const child = spawn(this.#program, this.#args, { stdio: ['pipe', 'ignore', 'pipe'] })
    child.on('error', (err) => this.emit('warn', err))
    child.stdin.on('error', () => undefined)
    child.stderr.resume()
    this.#child = child
    return child
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const text = info[MESSAGE]
    const severity = Number(info['priority'] ?? 6)
    const line = `<${this.#facility * 8 + severity}>${typeof text === 'string' ? text : String(info['message'])}\n`
    const child = this.#ensure()
    setImmediate(() => this.emit('logged', info))
    if (!child) {
      this.#dropped++
      return next()
    }
    if (child.stdin.write(line)) next()
    else child.stdin.once('drain', next)
  }

  /** Flush to `logger` and let it exit (bounded). */
  async closeSyslog(): Promise<void> {
    const child = this.#child
    this.#child = undefined
    if (!child || child.exitCode !== null) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.stdin.end()
    const timer = setTimeout(() => child.kill('SIGTERM'), 2000)
    await exited
    clearTimeout(timer)
  }
}
