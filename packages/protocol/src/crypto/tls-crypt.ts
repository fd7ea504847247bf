/**
 * @module crypto/tls-crypt
 * tls-crypt (spec §6) and the client side of tls-crypt-v2 (spec §7): AES-256-CTR +
 * HMAC-SHA256 over control packets. Wire layout
 * `op | sid | replay id | replay time | tag(32) | AES-256-CTR(P)` with
 * `tag = HMAC(Ka, op|sid|pid || P)` and `IV = tag[0..15]`. The client is always INVERSE:
 * encrypt with bytes 128..159 / HMAC 192..223, decrypt with 0..31 / 64..95.
 */
import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto'
import { AuthenticationTagError, ReplayError, TruncatedPacketError } from '../errors.js'
import {
  EARLY_NEG_START,
  LONG_PACKET_ID_LENGTH,
  Opcode,
  TLS_CRYPT_TAG_LENGTH,
} from '../wire/constants.js'
import { CONTROL_HEADER_LENGTH } from '../wire/control-packet.js'
import { LongPacketIdCounter, decodeLongPacketId, encodeLongPacketId } from '../wire/packet-id.js'
import { LongReplayWindow } from './replay.js'
import { STATIC_KEY_LENGTH } from './static-key.js'
import type { TlsWrap } from './tls-wrap.js'
import { KeyFileError } from '../errors.js'

const HEADER = CONTROL_HEADER_LENGTH + LONG_PACKET_ID_LENGTH // 17

export interface TlsCryptOptions {
  /** 256-byte tls-crypt key (or Kc of a tls-crypt-v2 client key). */
  key: Buffer
  /** First replay id minus one (0, or EARLY_NEG_START for tls-crypt-v2). */
  counterStart?: number
  replayWindow?: number
  nowSeconds?: () => number
  /** Role; the client is 'client' (INVERSE). 'server' exists for tests. */
  role?: 'client' | 'server'
}

export class TlsCryptWrap implements TlsWrap {
  readonly kind: 'tls-crypt' | 'tls-crypt-v2' = 'tls-crypt'
  readonly overhead = LONG_PACKET_ID_LENGTH + TLS_CRYPT_TAG_LENGTH
  private readonly encKey: Buffer
  private readonly encHmac: Buffer
  private readonly decKey: Buffer
  private readonly decHmac: Buffer
  private readonly counter: LongPacketIdCounter
  private readonly replay: LongReplayWindow

  constructor(opts: TlsCryptOptions) {
    if (opts.key.length !== STATIC_KEY_LENGTH)
      throw new KeyFileError('tls-crypt key must be 256 bytes')
    const k = opts.key
    const client = (opts.role ?? 'client') === 'client'
    const [encOff, decOff] = client ? [128, 0] : [0, 128]
    this.encKey = Buffer.from(k.subarray(encOff, encOff + 32))
    this.encHmac = Buffer.from(k.subarray(encOff + 64, encOff + 96))
    this.decKey = Buffer.from(k.subarray(decOff, decOff + 32))
    this.decHmac = Buffer.from(k.subarray(decOff + 64, decOff + 96))
    this.counter = new LongPacketIdCounter(opts.counterStart ?? 0, opts.nowSeconds)
    this.replay = new LongReplayWindow(opts.replayWindow)
  }

  /** Wraps with an explicit replay id (tests / known-answer vectors). */
  wrapWithPacketId(logical: Buffer, pid: Buffer): Buffer {
    if (logical.length < CONTROL_HEADER_LENGTH) throw new TruncatedPacketError('control packet')
    const header = Buffer.concat([logical.subarray(0, CONTROL_HEADER_LENGTH), pid])
    return this.seal(header, logical.subarray(CONTROL_HEADER_LENGTH))
  }

  /** The tls-crypt primitive: `header || HMAC(header || plain) || AES-256-CTR(plain)`. */
  seal(header: Buffer, plain: Buffer): Buffer {
    const tag = createHmac('sha256', this.encHmac).update(header).update(plain).digest()
    const c = createCipheriv('aes-256-ctr', this.encKey, tag.subarray(0, 16))
    return Buffer.concat([header, tag, c.update(plain), c.final()])
  }

  wrap(logical: Buffer): Buffer {
    return this.wrapWithPacketId(logical, encodeLongPacketId(this.counter.next()))
  }

  unwrap(wire: Buffer): Buffer {
    if (wire.length < HEADER + TLS_CRYPT_TAG_LENGTH) {
      throw new TruncatedPacketError(`tls-crypt packet of ${wire.length} bytes`)
    }
    const header = wire.subarray(0, HEADER)
    const tag = wire.subarray(HEADER, HEADER + TLS_CRYPT_TAG_LENGTH)
    const d = createDecipheriv('aes-256-ctr', this.decKey, tag.subarray(0, 16))
    const plain = Buffer.concat([d.update(wire.subarray(HEADER + TLS_CRYPT_TAG_LENGTH)), d.final()])
    const expect = createHmac('sha256', this.decHmac).update(header).update(plain).digest()
    if (!timingSafeEqual(expect, tag)) throw new AuthenticationTagError('tls-crypt tag mismatch')
    const pid = decodeLongPacketId(header, CONTROL_HEADER_LENGTH)
    if (!this.replay.check(pid.id, pid.time)) throw new ReplayError('tls-crypt replay')
    this.replay.update(pid.id, pid.time)
    return Buffer.concat([wire.subarray(0, CONTROL_HEADER_LENGTH), plain])
  }
}

/**
 * tls-crypt-v2 client: tls-crypt with Kc, the early-negotiation replay marker (spec §7.3), and
 * the WKc appended to P_CONTROL_HARD_RESET_CLIENT_V3 and P_CONTROL_WKC_V1 packets (spec §7.2).
 */
export class TlsCryptV2Wrap extends TlsCryptWrap {
  override readonly kind = 'tls-crypt-v2'
  constructor(
    opts: Omit<TlsCryptOptions, 'counterStart'>,
    private readonly wkc: Buffer
  ) {
    super({ ...opts, counterStart: EARLY_NEG_START })
  }

  override wrap(logical: Buffer): Buffer {
    const wire = super.wrap(logical)
    const op = (logical[0] ?? 0) >> 3
    if (op === Opcode.P_CONTROL_HARD_RESET_CLIENT_V3 || op === Opcode.P_CONTROL_WKC_V1) {
      return Buffer.concat([wire, this.wkc])
    }
    return wire
  }

  get wkcLength(): number {
    return this.wkc.length
  }
}
