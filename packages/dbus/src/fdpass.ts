/**
 * Unix-fd passing outside the message body (spec §1.6). Upstream attaches the TUN fd to
 * the `Establish` reply and the transport socket to the `ProtectSocket` call in the
 * message's UNIX_FDS side channel with no `h` in the signature. dbus-next 0.10.2 only
 * sends fds that appear as `h` in the body and hides received fds that have no `h`, so
 * this module patches one connection:
 *  - send: a message carrying `outOfBandFds` is marshalled by us; the UNIX_FDS header
 *    counts body (`h`) fds plus the extra ones, which are appended after the body's;
 *  - receive: the fds read together with a message are attached as `msg.unixFds`.
 * `h` in a body keeps working as in dbus-next (needs usocket, libraries.md §1.2(b)).
 */
import { closeSync } from 'node:fs'
import { MessageType, marshallCompat } from './dbusnext.js'
import type { Message, MessageBus, MessageLike } from './dbusnext.js'

/** Raised when fds must be sent but the connection cannot carry them. */
export class FdPassingUnavailableError extends Error {
  override readonly name = 'FdPassingUnavailableError'
  constructor() {
    super(
      'this bus connection cannot pass unix fds (needs a unix:path= address, usocket and negotiateUnixFd)'
    )
  }
}

/** Options a sender may set on an outgoing message. */
export interface OutOfBandFds {
  fds: number[]
  /** Close our copies once the bytes have left (the reply carries its own dup). */
  closeAfterSend?: boolean
}

const PATCHED = Symbol.for('openvpn3-ts.dbus.fdpass')
const SEND_FDS = Symbol.for('openvpn3-ts.dbus.fdpass.send')

/** Mark an outgoing message to carry `fds` outside its body. */
export function attachFds(msg: MessageLike, fds: OutOfBandFds): void {
  ;(msg as { [SEND_FDS]?: OutOfBandFds })[SEND_FDS] = fds
}

export function closeQuietly(fds: readonly number[]): void {
  for (const fd of fds) {
    try {
      closeSync(fd)
    } catch {
      // already closed
    }
  }
}

const REPLY_FDS = Symbol.for('openvpn3-ts.dbus.fdpass.reply')
type ReplyFdMap = Map<string, OutOfBandFds>

function replyMap(bus: MessageBus): ReplyFdMap {
  const b = bus as MessageBus & { [REPLY_FDS]?: ReplyFdMap }
  return (b[REPLY_FDS] ??= new Map())
}
const replyKey = (destination: string | undefined, serial: number | null | undefined) =>
  `${destination ?? ''}#${serial ?? ''}`

/**
 * Arrange for the method return to `call` (built later, e.g. by dbus-next's dispatcher)
 * to carry `fds` outside its body. Returns a function that cancels it (and closes the
 * fds when `closeAfterSend`), for the error path.
 */
export function attachReplyFds(bus: MessageBus, call: Message, fds: OutOfBandFds): () => void {
  const key = replyKey(call.sender, call.serial)
  const map = replyMap(bus)
  map.set(key, fds)
  return () => {
    if (map.get(key) === fds) {
      map.delete(key)
      if (fds.closeAfterSend) closeQuietly(fds.fds)
    }
  }
}

/** True when the connection negotiated fd passing and runs over usocket. */
export function canPassFds(bus: MessageBus): boolean {
  return bus._connection.stream.supportsUnixFd === true
}

/** Patch one connected bus (idempotent). Must run after the bus emitted 'connect'. */
export function applyFdPassing(bus: MessageBus): void {
  const conn = bus._connection as MessageBus['_connection'] & { [PATCHED]?: boolean }
  if (conn[PATCHED]) return
  conn[PATCHED] = true
  const stream = conn.stream

  // --- receive: usocket hands over every fd it has read so far with the next body read, which
  // may belong to an earlier message than the one the fds came with (e.g. a signal parsed just
  // before an fd-carrying reply in the same socket read). Queue them and give each message as
  // many as its UNIX_FDS header field says, in order.
  const fdQueue: number[] = []
  const origRead = stream.read.bind(stream)
  stream.read = (size?: number, fdSize?: number | null): unknown => {
    const r = origRead(size, fdSize)
    if (fdSize === null && r !== null && typeof r === 'object' && 'fds' in r) {
      const fds = r.fds
      if (Array.isArray(fds)) fdQueue.push(...(fds as number[]))
    }
    return r
  }
  conn.prependListener('message', (msg: Message) => {
    const n = typeof msg.unixFd === 'number' ? msg.unixFd : 0
    if (n <= 0 || fdQueue.length === 0) return
    const fds = fdQueue.splice(0, n)
    if (msg.type === MessageType.SIGNAL) {
      closeQuietly(fds) // nobody consumes fds sent with signals
      return
    }
    msg.unixFds = fds
  })

  // --- send: marshal messages that carry out-of-band fds ourselves.
  const origMessage = conn.message.bind(conn)
  conn.message = (msg: MessageLike): void => {
    let extra = (msg as { [SEND_FDS]?: OutOfBandFds })[SEND_FDS]
    if (!extra && msg.type === MessageType.METHOD_RETURN) {
      const map = replyMap(bus)
      const key = replyKey(msg.destination, msg.replySerial)
      extra = map.get(key)
      if (extra) map.delete(key)
    }
    if (!extra || extra.fds.length === 0) {
      origMessage(msg)
      return
    }
    if (!canPassFds(bus)) {
      if (extra.closeAfterSend) closeQuietly(extra.fds)
      throw new FdPassingUnavailableError()
    }
    if (!stream.writable) throw new Error('Cannot send message, stream is closed')
    const sendFds = extra
    let bodyFds = 0
    const plain: MessageLike & { serial: number | null } = {
      type: msg.type ?? MessageType.METHOD_CALL,
      flags: msg.flags ?? 0,
      serial: msg.serial ?? null,
      signature: msg.signature ?? '',
      body: msg.body ?? [],
    }
    for (const key of [
      'path',
      'interface',
      'member',
      'errorName',
      'replySerial',
      'destination',
      'sender',
    ] as const) {
      const v = msg[key]
      if (v !== undefined && v !== null) (plain as unknown as Record<string, unknown>)[key] = v
    }
    // The marshaller writes the body's fd count into `unixFd`, then reads it back for the
    // header: report body + out-of-band fds.
    Object.defineProperty(plain, 'unixFd', {
      enumerable: true,
      get: () => bodyFds + sendFds.fds.length,
      set: (n: number) => {
        bodyFds = n
      },
    })
    const [data, fds] = marshallCompat.marshallMessage(plain)
    stream.write({
      data,
      fds: [...fds, ...sendFds.fds],
      callback: () => {
        if (sendFds.closeAfterSend) closeQuietly(sendFds.fds)
      },
    })
  }
}
