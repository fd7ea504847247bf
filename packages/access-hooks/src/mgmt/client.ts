/**
 * Management-interface client for an OpenVPN 2.6 server: one connection (unix socket or TCP),
 * password handshake, strictly one outstanding command, notifications delivered at any time,
 * automatic reconnect with backoff. Follows spec sections 2.2 (framing), 2.5 and 10.
 *
 * Lifecycle: idle → connecting → (authenticating) → attached → detached → connecting … → closed.
 * `close()` is idempotent; `closed` settles once the socket is gone and no reconnect is pending.
 */
import { EventEmitter } from 'node:events'
import * as net from 'node:net'
import {
  COMMAND_TIMEOUT_MS,
  MAX_RESPONSE_LINES,
  RECONNECT_MAX_MS,
  RECONNECT_MIN_MS,
} from '../constants.js'
import {
  ManagementAuthError,
  ManagementCommandError,
  ManagementDisconnectedError,
  ManagementTimeoutError,
} from '../errors.js'
import type { Logger } from '../logger.js'
import { checkLine } from './commands.js'
import { LineSplitter } from './line-splitter.js'
import { NotificationParser, type Notification } from './notifications.js'

export type ManagementEndpoint =
  { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number }

export interface ManagementClientInit {
  endpoint: ManagementEndpoint
  password?: string | undefined
  reconnect?: boolean
  commandTimeoutMs?: number
  logger: Logger
}

interface Pending {
  text: string
  multiline: boolean
  lines: string[]
  resolve: (lines: string[]) => void
  reject: (e: Error) => void
  timer?: NodeJS.Timeout
}

export type ClientState = 'idle' | 'connecting' | 'attached' | 'detached' | 'closed'

interface Events {
  notification: [Notification]
  /** Attached and welcomed; `held` is true when the server waits for `hold release`. */
  attached: [{ held: boolean }]
  detached: [Error | undefined]
  /** Garbage or malformed input that was ignored. */
  malformed: [{ line: string; reason: string }]
}

export class ManagementClient extends EventEmitter<Events> {
  state: ClientState = 'idle'
  #socket: net.Socket | undefined
  #splitter = new LineSplitter()
  #parser = new NotificationParser()
  #queue: Pending[] = []
  #inFlight: Pending | undefined
  #backoff = RECONNECT_MIN_MS
  #reconnectTimer: NodeJS.Timeout | undefined
  #welcomed = false
  #held = false
  #closedResolve!: () => void
  readonly closed: Promise<void> = new Promise((r) => (this.#closedResolve = r))

  constructor(private readonly init: ManagementClientInit) {
    super()
  }

  get attached(): boolean {
    return this.state === 'attached'
  }

  start(): void {
    if (this.state !== 'idle') return
    this.#connect()
  }

  /** Wait until attached (or the timeout passes). */
  waitAttached(timeoutMs: number): Promise<void> {
    if (this.attached) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('attached', on)
        reject(new ManagementTimeoutError(`not attached within ${timeoutMs} ms`))
      }, timeoutMs)
      const on = () => {
        clearTimeout(t)
        resolve()
      }
      this.once('attached', on)
    })
  }

  /**
   * Send one command (or a `client-auth` block, lines joined by `\n`) and resolve with its
   * response lines. `multiline` commands end with `END`. Rejects with ManagementCommandError on
   * `ERROR:`.
   */
  command(text: string, opts: { multiline?: boolean } = {}): Promise<string[]> {
    for (const l of text.split('\n')) checkLine(l)
    if (this.state === 'closed')
      return Promise.reject(new ManagementDisconnectedError('client closed'))
    return new Promise((resolve, reject) => {
      this.#queue.push({ text, multiline: opts.multiline ?? false, lines: [], resolve, reject })
      this.#pump()
    })
  }

  close(): Promise<void> {
    if (this.state !== 'closed') {
      this.state = 'closed'
      clearTimeout(this.#reconnectTimer)
      this.#failAll(new ManagementDisconnectedError('client closed'))
      const s = this.#socket
      this.#socket = undefined
      if (s) {
        s.once('close', () => this.#closedResolve())
        s.destroy()
      } else this.#closedResolve()
    }
    return this.closed
  }

  #connect(): void {
    this.state = 'connecting'
    this.#welcomed = false
    this.#held = false
    this.#splitter.reset()
    this.#parser.reset()
    const ep = this.init.endpoint
    const socket =
      ep.kind === 'unix' ? net.createConnection(ep.path) : net.createConnection(ep.port, ep.host)
    this.#socket = socket
    socket.setEncoding('utf8')
    socket.on('data', (chunk: string) => this.#onData(chunk))
    socket.on('error', (e: Error) =>
      this.init.logger.debug(`management socket error: ${e.message}`)
    )
    socket.on('close', () => {
      if (this.#socket !== socket) return
      this.#socket = undefined
      this.#onDetached(new ManagementDisconnectedError('management connection closed'))
    })
  }

  #onDetached(err: Error): void {
    const wasAttached = this.state === 'attached'
    this.#failAll(err)
    if (this.state === 'closed') return
    this.state = 'detached'
    if (wasAttached) this.emit('detached', err)
    if (this.init.reconnect === false) {
      void this.close()
      return
    }
    const delay = this.#backoff
    this.#backoff = Math.min(this.#backoff * 2, RECONNECT_MAX_MS)
    this.#reconnectTimer = setTimeout(() => this.#connect(), delay)
  }

  #onData(chunk: string): void {
    for (const item of this.#splitter.push(chunk)) {
      if (item.type === 'overlong') {
        this.emit('malformed', { line: `<${item.bytes} bytes>`, reason: 'line too long, dropped' })
        continue
      }
      this.#onLine(item.line)
    }
  }

  #onLine(line: string): void {
    if (!this.#welcomed) {
      if (line === 'ENTER PASSWORD:') {
        if (this.init.password === undefined) {
          this.init.logger.error('management interface asks for a password but none is configured')
          this.#socket?.destroy()
          return
        }
        this.#socket?.write(`${this.init.password}\n`)
        return
      }
      if (line.startsWith('SUCCESS: password is correct')) return
      if (line.startsWith('ERROR: bad password')) {
        this.init.logger.error(new ManagementAuthError('management password refused').message)
        this.#socket?.destroy()
        return
      }
    }
    for (const item of this.#parser.feed(line)) {
      if (item.type === 'malformed') {
        this.emit('malformed', { line: item.line.slice(0, 200), reason: item.reason })
      } else if (item.type === 'notification') {
        this.#onNotification(item.notification)
      } else {
        this.#onResponseLine(item.line)
      }
    }
  }

  #onNotification(n: Notification): void {
    if (n.kind === 'info' && !this.#welcomed && n.text.startsWith('OpenVPN Management Interface')) {
      this.#welcomed = true
      // The >HOLD line, if any, follows right after; attach on the next tick.
      setImmediate(() => this.#onWelcomed())
      return
    }
    if (n.kind === 'hold') this.#held = true
    this.emit('notification', n)
  }

  #onWelcomed(): void {
    if (this.state !== 'connecting') return
    this.state = 'attached'
    this.#backoff = RECONNECT_MIN_MS
    this.emit('attached', { held: this.#held })
    this.#pump()
  }

  #onResponseLine(line: string): void {
    const p = this.#inFlight
    if (!p) {
      if (line.trim() !== '')
        this.emit('malformed', { line: line.slice(0, 200), reason: 'unsolicited line' })
      return
    }
    if (!p.multiline) {
      this.#finish(p, line.startsWith('ERROR:') ? line : undefined, [line])
      return
    }
    if (p.lines.length === 0 && line.startsWith('ERROR:')) {
      this.#finish(p, line, [line])
      return
    }
    if (line === 'END') {
      this.#finish(p, undefined, p.lines)
      return
    }
    if (p.lines.length < MAX_RESPONSE_LINES) p.lines.push(line)
  }

  #finish(p: Pending, error: string | undefined, lines: string[]): void {
    clearTimeout(p.timer)
    this.#inFlight = undefined
    if (error !== undefined)
      p.reject(new ManagementCommandError(`${p.text.split('\n')[0]?.split(' ')[0]}: ${error}`))
    else p.resolve(lines)
    this.#pump()
  }

  #pump(): void {
    if (this.#inFlight || this.state !== 'attached' || !this.#socket) return
    const next = this.#queue.shift()
    if (!next) return
    this.#inFlight = next
    next.timer = setTimeout(() => {
      if (this.#inFlight !== next) return
      // Framing is lost once a response is missing: drop the connection and start clean.
      next.reject(new ManagementTimeoutError(`no response to ${next.text.split(' ')[0]}`))
      this.#inFlight = undefined
      this.#socket?.destroy()
    }, this.init.commandTimeoutMs ?? COMMAND_TIMEOUT_MS)
    this.#socket.write(`${next.text}\n`)
  }

  #failAll(err: Error): void {
    const all = this.#inFlight ? [this.#inFlight, ...this.#queue] : [...this.#queue]
    this.#inFlight = undefined
    this.#queue = []
    for (const p of all) {
      clearTimeout(p.timer)
      p.reject(err)
    }
  }
}
