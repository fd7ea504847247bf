/**
 * @module session/key-method
 * Key method 2 messages exchanged inside TLS (spec §10): the client message
 * (pre-master, randoms, options string, username, password, peer-info) and the server reply
 * (randoms, options string, then up to three empty strings on 2.x servers).
 */
import { randomBytes } from 'node:crypto'
import { MalformedPacketError, TruncatedPacketError } from '../errors.js'

export const KEY_METHOD_2 = 2
export const PRE_MASTER_LENGTH = 48
export const RANDOM_LENGTH = 32
/** `TLS_CHANNEL_BUF_SIZE`: the server reads one record of at most this size (spec §10). */
export const MAX_KEY_METHOD_MESSAGE = 2048

/** `u16 len || bytes || NUL`, or a bare `u16 0` for an absent value (spec §10.1). */
export function encodeString(value: string | undefined): Buffer {
  if (value === undefined || value.length === 0) return Buffer.alloc(2)
  const body = Buffer.from(value, 'utf8')
  const out = Buffer.allocUnsafe(2 + body.length + 1)
  out.writeUInt16BE(body.length + 1, 0)
  body.copy(out, 2)
  out[out.length - 1] = 0
  return out
}

export function decodeString(buf: Buffer, offset: number): { value: string; next: number } {
  if (buf.length < offset + 2) throw new TruncatedPacketError('key-method string length')
  const len = buf.readUInt16BE(offset)
  if (buf.length < offset + 2 + len) throw new TruncatedPacketError('key-method string body')
  let body = buf.subarray(offset + 2, offset + 2 + len)
  if (body.length > 0 && body[body.length - 1] === 0) body = body.subarray(0, body.length - 1)
  return { value: body.toString('utf8'), next: offset + 2 + len }
}

export interface ClientKeySource {
  preMaster: Buffer
  random1: Buffer
  random2: Buffer
}

export function newClientKeySource(): ClientKeySource {
  return {
    preMaster: randomBytes(PRE_MASTER_LENGTH),
    random1: randomBytes(RANDOM_LENGTH),
    random2: randomBytes(RANDOM_LENGTH),
  }
}

export interface ClientKeyMethodMessage {
  source: ClientKeySource
  options: string
  username?: string
  password?: string
  peerInfo: string
}

export function encodeClientKeyMethod2(m: ClientKeyMethodMessage): Buffer {
  const head = Buffer.alloc(5)
  head[4] = KEY_METHOD_2
  return Buffer.concat([
    head,
    m.source.preMaster,
    m.source.random1,
    m.source.random2,
    encodeString(m.options),
    encodeString(m.username),
    encodeString(m.password),
    encodeString(m.peerInfo),
  ])
}

export interface ServerKeyMethodMessage {
  random1: Buffer
  random2: Buffer
  options: string
  /** Bytes of `buf` consumed by this message. */
  length: number
}

/**
 * Parses the server's key-method-2 message at the start of `buf`. Returns undefined when more
 * data is needed. Trailing empty strings are consumed while the next byte is 0 (spec §10.3).
 */
export function decodeServerKeyMethod2(buf: Buffer): ServerKeyMethodMessage | undefined {
  const fixed = 5 + 2 * RANDOM_LENGTH
  if (buf.length < fixed + 2) return undefined
  if (buf.readUInt32BE(0) !== 0)
    throw new MalformedPacketError('key-method message must start with 0')
  if (((buf[4] ?? 0) & 0x0f) !== KEY_METHOD_2) {
    throw new MalformedPacketError(`unsupported key method ${(buf[4] ?? 0) & 0x0f}`)
  }
  let opts: { value: string; next: number }
  try {
    opts = decodeString(buf, fixed)
  } catch (err) {
    if (err instanceof TruncatedPacketError) return undefined
    throw err
  }
  let o = opts.next
  for (let i = 0; i < 3 && o + 2 <= buf.length && buf[o] === 0; i++) {
    const s = decodeString(buf, o)
    o = s.next
  }
  return {
    random1: Buffer.from(buf.subarray(5, 5 + RANDOM_LENGTH)),
    random2: Buffer.from(buf.subarray(5 + RANDOM_LENGTH, fixed)),
    options: opts.value,
    length: o,
  }
}
