/**
 * A connection to the (system) bus with the local dbus-next fixes applied
 * (libraries.md §1.4): usocket + fd negotiation, match-rule refcount fix, out-of-band fd
 * passing (spec §1.6), a timeout on every call, and connection loss surfaced as one
 * `closed` promise instead of hanging calls.
 */
import { Message, MessageFlag, MessageType, createBus } from './dbusnext.js'
import type { Message as RawMessage, MessageBus } from './dbusnext.js'
import { BusClosedError, DBusCallError, DBusTimeoutError } from './errors.js'
import { applyFdPassing, attachFds, canPassFds } from './fdpass.js'
import { applyMatchRuleFix } from './matchfix.js'
import { SignalRouter } from './signals.js'

/** Default timeout of a method call (the D-Bus reference implementation's default). */
export const DEFAULT_CALL_TIMEOUT_MS = 25_000
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000
const SYSTEM_BUS_DEFAULT = 'unix:path=/var/run/dbus/system_bus_socket'

export interface ConnectOptions {
  /** Bus address; default `DBUS_SYSTEM_BUS_ADDRESS`, else the system bus socket. */
  address?: string
  /** Give up connecting after this many ms (default 10 s). */
  timeoutMs?: number
  /** Default timeout for calls on this connection (default 25 s). */
  callTimeoutMs?: number
}

export interface CallRequest {
  destination: string
  path: string
  interface: string
  member: string
  signature?: string
  body?: unknown[]
  /** fds sent outside the body (spec §1.6) */
  fds?: number[]
  /** close `fds` once sent */
  closeFdsAfterSend?: boolean
  timeoutMs?: number
  /** do not let the bus auto-start (activate) the destination */
  noAutoStart?: boolean
}

export interface CallReply {
  body: unknown[]
  signature: string
  /** fds received with the reply; the caller owns (and must close) them */
  fds: number[]
  sender: string | undefined
}

/** Connection failed (address unreachable, auth refused, timeout). */
export class BusConnectError extends Error {
  override readonly name = 'BusConnectError'
  constructor(
    readonly address: string,
    reason: string,
    options?: { cause?: unknown }
  ) {
    super(`cannot connect to D-Bus at ${address}: ${reason}`, options)
  }
}

/** The system bus address we use (honours `DBUS_SYSTEM_BUS_ADDRESS`). */
export function systemBusAddress(env: NodeJS.ProcessEnv = process.env): string {
  return env['DBUS_SYSTEM_BUS_ADDRESS'] ?? SYSTEM_BUS_DEFAULT
}

/** One bus connection. Create with `DBusConnection.connect()`. */
export class DBusConnection {
  readonly signals: SignalRouter
  readonly callTimeoutMs: number
  /** Settles (never rejects) when the connection is gone; carries the cause if any. */
  readonly closed: Promise<Error | undefined>
  #closedResolve!: (e: Error | undefined) => void
  #isClosed = false
  #closing = false
  readonly #pending = new Set<(e: Error) => void>()

  private constructor(
    readonly raw: MessageBus,
    readonly address: string,
    callTimeoutMs: number
  ) {
    this.callTimeoutMs = callTimeoutMs
    this.closed = new Promise((resolve) => (this.#closedResolve = resolve))
    this.signals = new SignalRouter(this)
    raw._connection.on('end', () => this.#markClosed(undefined))
  }

  /** Connect and finish the Hello handshake. */
  static async connect(opts: ConnectOptions = {}): Promise<DBusConnection> {
    applyMatchRuleFix()
    const address = opts.address ?? systemBusAddress()
    let raw: MessageBus
    try {
      raw = createBus(address, true)
    } catch (err) {
      throw new BusConnectError(address, err instanceof Error ? err.message : String(err), {
        cause: err,
      })
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        cleanup()
        try {
          raw.disconnect()
        } catch {
          // not connected
        }
        reject(new BusConnectError(address, `no Hello reply within ${timeoutMs} ms`))
      }, timeoutMs)
      const onConnect = () => {
        cleanup()
        resolve()
      }
      const onError = (err: unknown) => {
        cleanup()
        reject(
          new BusConnectError(address, err instanceof Error ? err.message : String(err), {
            cause: err,
          })
        )
      }
      const cleanup = () => {
        clearTimeout(timer)
        raw.removeListener('connect', onConnect)
        raw.removeListener('error', onError)
      }
      raw.once('connect', onConnect)
      raw.once('error', onError)
    })
    applyFdPassing(raw)
    const conn = new DBusConnection(raw, address, opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS)
    // An 'error' without a listener would throw and kill the process.
    raw.on('error', (err: unknown) => {
      if (!raw._connection.stream.writable) {
        conn.#markClosed(err instanceof Error ? err : new Error(String(err)))
      }
    })
    return conn
  }

  /** Our unique name on the bus, e.g. `:1.42`. */
  get uniqueName(): string {
    return this.raw.name ?? ''
  }

  get isClosed(): boolean {
    return this.#isClosed
  }

  /** True when this connection can pass unix fds (usocket + negotiated). */
  get canPassFds(): boolean {
    return canPassFds(this.raw)
  }

  #markClosed(cause: Error | undefined): void {
    if (this.#isClosed) return
    this.#isClosed = true
    const err = new BusClosedError(
      this.#closing ? 'the D-Bus connection was closed' : 'the D-Bus connection was lost',
      { cause }
    )
    for (const reject of this.#pending) reject(err)
    this.#pending.clear()
    this.#closedResolve(this.#closing ? undefined : (cause ?? err))
  }

  /** Call a method and wait (bounded) for its reply. Error replies throw DBusCallError. */
  async call(req: CallRequest): Promise<CallReply> {
    const what = `${req.destination} ${req.path} ${req.interface}.${req.member}`
    if (this.#isClosed) throw new BusClosedError()
    const msg = new Message({
      type: MessageType.METHOD_CALL,
      destination: req.destination,
      path: req.path,
      interface: req.interface,
      member: req.member,
      signature: req.signature ?? '',
      body: req.body ?? [],
      flags: req.noAutoStart ? MessageFlag.NO_AUTO_START : 0,
    })
    if (req.fds && req.fds.length > 0) {
      attachFds(msg, { fds: req.fds, closeAfterSend: req.closeFdsAfterSend ?? false })
    }
    const timeoutMs = req.timeoutMs ?? this.callTimeoutMs
    let timer: NodeJS.Timeout | undefined
    let rejectPending: ((e: Error) => void) | undefined
    try {
      const reply = await new Promise<RawMessage | null>((resolve, reject) => {
        rejectPending = reject
        this.#pending.add(reject)
        this.raw.call(msg).then(resolve, (err: unknown) => {
          const e = err as { type?: unknown; text?: unknown; reply?: RawMessage | null }
          if (typeof e.type === 'string' && e.reply) {
            const body0 = e.reply.body[0]
            reject(new DBusCallError(e.type, typeof body0 === 'string' ? body0 : '', what))
          } else {
            reject(err instanceof Error ? err : new Error(String(err)))
          }
        })
        const serial = msg.serial
        timer = setTimeout(() => {
          if (serial !== null) delete this.raw._methodReturnHandlers[serial]
          reject(new DBusTimeoutError(what, timeoutMs))
        }, timeoutMs)
      })
      return {
        body: reply?.body ?? [],
        signature: reply?.signature ?? '',
        fds: reply?.unixFds ?? [],
        sender: reply?.sender,
      }
    } finally {
      clearTimeout(timer)
      if (rejectPending) this.#pending.delete(rejectPending)
    }
  }

  /** Call a method on the bus daemon itself. */
  callDaemon(member: string, signature = '', body: unknown[] = []): Promise<CallReply> {
    return this.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member,
      signature,
      body,
    })
  }

  /** Send a message that expects no reply (signals). */
  send(msg: RawMessage): void {
    if (this.#isClosed) throw new BusClosedError()
    this.raw.send(msg)
  }

  /** Disconnect; resolves once the socket is closed (bounded to 2 s). */
  async close(): Promise<void> {
    if (this.#isClosed) return
    this.#closing = true
    this.signals.dispose()
    try {
      this.raw.disconnect()
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.#markClosed(undefined), 2000)
    await this.closed
    clearTimeout(timer)
  }
}

/** Connect to the system bus (or `DBUS_SYSTEM_BUS_ADDRESS`). */
export function connectSystemBus(opts: ConnectOptions = {}): Promise<DBusConnection> {
  return DBusConnection.connect(opts)
}
