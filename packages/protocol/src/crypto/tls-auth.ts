/**
 * @module crypto/tls-auth
 * tls-auth: HMAC firewall over control packets (spec §5). Wire layout
 * `op | sid | HMAC(L) | replay id | replay time | rest`, HMAC over
 * `replay id | replay time | op | sid | rest`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto'
import { AuthenticationTagError, ReplayError, TruncatedPacketError } from '../errors.js'
import { LONG_PACKET_ID_LENGTH } from '../wire/constants.js'
import { CONTROL_HEADER_LENGTH } from '../wire/control-packet.js'
import { LongPacketIdCounter, decodeLongPacketId, encodeLongPacketId } from '../wire/packet-id.js'
import { digestLength, nodeDigestName } from './digest.js'
import { LongReplayWindow } from './replay.js'
import { type KeyDirection, selectDirection } from './static-key.js'
import type { TlsWrap } from './tls-wrap.js'

export interface TlsAuthOptions {
  /** The 256-byte static key. */
  key: Buffer
  /** key-direction (client normally 1). */
  direction: KeyDirection
  /** OpenVPN digest name, e.g. SHA1 (default), SHA256. */
  digest?: string
  replayWindow?: number
  nowSeconds?: () => number
}

export class TlsAuthWrap implements TlsWrap {
  readonly kind = 'tls-auth'
  readonly overhead: number
  private readonly alg: string
  private readonly hmacLen: number
  private readonly sendKey: Buffer
  private readonly recvKey: Buffer
  private readonly counter: LongPacketIdCounter
  private readonly replay: LongReplayWindow

  constructor(opts: TlsAuthOptions) {
    const digest = opts.digest ?? 'SHA1'
    this.alg = nodeDigestName(digest)
    this.hmacLen = digestLength(digest)
    const slots = selectDirection(opts.key, opts.direction)
    this.sendKey = Buffer.from(slots.send.subarray(64, 64 + this.hmacLen))
    this.recvKey = Buffer.from(slots.receive.subarray(64, 64 + this.hmacLen))
    this.overhead = this.hmacLen + LONG_PACKET_ID_LENGTH
    this.counter = new LongPacketIdCounter(0, opts.nowSeconds)
    this.replay = new LongReplayWindow(opts.replayWindow)
  }

  private mac(key: Buffer, pid: Buffer, head: Buffer, rest: Buffer): Buffer {
    return createHmac(this.alg, key).update(pid).update(head).update(rest).digest()
  }

  wrap(logical: Buffer): Buffer {
    if (logical.length < CONTROL_HEADER_LENGTH) throw new TruncatedPacketError('control packet')
    const head = logical.subarray(0, CONTROL_HEADER_LENGTH)
    const rest = logical.subarray(CONTROL_HEADER_LENGTH)
    const pid = encodeLongPacketId(this.counter.next())
    const hmac = this.mac(this.sendKey, pid, head, rest)
    return Buffer.concat([head, hmac, pid, rest])
  }

  unwrap(wire: Buffer): Buffer {
    const min = CONTROL_HEADER_LENGTH + this.overhead
    if (wire.length < min) throw new TruncatedPacketError(`tls-auth packet of ${wire.length} bytes`)
    const head = wire.subarray(0, CONTROL_HEADER_LENGTH)
    const hmac = wire.subarray(CONTROL_HEADER_LENGTH, CONTROL_HEADER_LENGTH + this.hmacLen)
    const pidBuf = wire.subarray(CONTROL_HEADER_LENGTH + this.hmacLen, min)
    const rest = wire.subarray(min)
    const expect = this.mac(this.recvKey, pidBuf, head, rest)
    if (!timingSafeEqual(expect, hmac)) throw new AuthenticationTagError('tls-auth HMAC mismatch')
    const pid = decodeLongPacketId(pidBuf)
    if (!this.replay.check(pid.id, pid.time)) throw new ReplayError('tls-auth replay')
    this.replay.update(pid.id, pid.time)
    return Buffer.concat([head, rest])
  }
}
