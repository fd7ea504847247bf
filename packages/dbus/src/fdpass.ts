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

/**
 * The UNIX_FDS header field (code 9, `u`) of a message, from its 16-byte fixed header and the
 * bytes that follow (the header-field array `a(yv)` comes first; D-Bus spec "Message Format").
 * 0 when absent or malformed.
 */
export function unixFdsField(fixed: Buffer, rest: Buffer): number {
  const le = fixed[0] === 0x6c // 'l'
  const fieldsLen = le ? fixed.readUInt32LE(12) : fixed.readUInt32BE(12)
  const end = Math.min(fieldsLen, rest.length)
  // offsets are relative to the message start; the fields array starts at 16
  const align = (off: number, a: number): number => off + ((a - ((off + 16) % a)) % a)
  const u32 = (off: number): number => (le ? rest.readUInt32LE(off) : rest.readUInt32BE(off))
  let off = 0
  while (off < end) {
    off = align(off, 8)
    if (off + 2 > end) break
    const code = rest[off] ?? 0
    const sigLen = rest[off + 1] ?? 0
    const sig = rest.toString('latin1', off + 2, off + 2 + sigLen)
    off += 2 + sigLen + 1
    switch (sig) {
      case 'u':
        off = align(off, 4)
        if (off + 4 > end) return 0
        if (code === 9) return u32(off)
        off += 4
        break
      case 's':
      case 'o':
        off = align(off, 4)
        if (off + 4 > end) return 0
        off += 4 + u32(off) + 1
        break
      case 'g':
        off += 1 + (rest[off] ?? 0) + 1
        break
      default:
        return 0 // not a header field type
    }
  }
  return 0
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
  // many as its UNIX_FDS header field says, in order. dbus-next drops that field when it builds
  // its Message, so it is read here from the raw header fields.
  const fdQueue: number[] = []
  let header: Buffer | undefined
  let nextCount = 0
  const origRead = stream.read.bind(stream)
  stream.read = (size?: number, fdSize?: number | null): unknown => {
    const r = origRead(size, fdSize)
    if (size === 16 && fdSize === undefined && Buffer.isBuffer(r)) header = r
    if (fdSize === null && r !== null && typeof r === 'object') {
      const fds = 'fds' in r ? r.fds : undefined
      if (Array.isArray(fds)) fdQueue.push(...(fds as number[]))
      const data = 'data' in r ? r.data : r
      nextCount = header && Buffer.isBuffer(data) ? unixFdsField(header, data) : 0
    }
    return r
  }
  conn.prependListener('message', (msg: Message) => {
    const n = nextCount
    nextCount = 0
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
