/**
 * A winston transport appending to a log file that can be reopened (logrotate's
 * `postrotate kill -HUP`): `reopen()` opens the path again and lets the old stream finish
 * the lines already handed to it, so every line ends in either the rotated or the new file
 * and none is lost. Back-pressure: `next()` waits for 'drain' when the stream is full.
 */
import { createWriteStream } from 'node:fs'
import type { WriteStream } from 'node:fs'
import { once } from 'node:events'
import TransportStream from 'winston-transport'
import { FILE_HIGH_WATER_MARK } from '../constants.js'
import { LogFileError } from '../errors.js'

const MESSAGE = Symbol.for('message')

export interface ReopenableFileOptions {
  path: string
  /** file mode when created (default 0640) */
  mode?: number
}

export class ReopenableFileTransport extends TransportStream {
  readonly path: string
  readonly #mode: number
  #stream: WriteStream
  #lines = 0
  #reopens = 0

  constructor(opts: ReopenableFileOptions) {
    super({})
    this.path = opts.path
    this.#mode = opts.mode ?? 0o640
    this.#stream = this.#open()
  }

  /** Lines handed to the file streams so far. */
  get lines(): number {
    return this.#lines
  }
  get reopens(): number {
    return this.#reopens
  }

  #open(): WriteStream {
    const s = createWriteStream(this.path, {
      flags: 'a',
      mode: this.#mode,
      highWaterMark: FILE_HIGH_WATER_MARK,
    })
    s.on('error', (err) => this.emit('error', new LogFileError(this.path, { cause: err })))
    return s
  }

  /** Wait until the file is open (surfaces a bad path as LogFileError). */
  async ready(): Promise<void> {
    const s = this.#stream
    if (s.pending) {
      await Promise.race([
        once(s, 'open'),
        once(s, 'error').then(([err]) => {
          throw new LogFileError(this.path, { cause: err })
        }),
      ])
    }
  }

  override log(info: Record<string | symbol, unknown>, next: () => void): void {
    const text = info[MESSAGE]
    const line = (typeof text === 'string' ? text : String(info['message'])) + '\n'
    this.#lines++
    const s = this.#stream
    const ok = s.write(line)
    setImmediate(() => this.emit('logged', info))
    if (ok) return next()
    // a stream ended by reopen() may close instead of draining
    const go = () => {
      s.off('drain', go)
      s.off('close', go)
      next()
    }
    s.on('drain', go)
    s.on('close', go)
  }

  /** Open the path again (after rotation); the old stream flushes into the old file. */
  async reopen(): Promise<void> {
    const old = this.#stream
    this.#stream = this.#open()
    this.#reopens++
    const done = once(old, 'close').catch(() => undefined)
    old.end()
    await done
    await this.ready()
  }

  /** Flush and close the file. */
  async closeFile(): Promise<void> {
    const s = this.#stream
    if (s.closed) return
    const done = once(s, 'close').catch(() => undefined)
    s.end()
    await done
  }
}
