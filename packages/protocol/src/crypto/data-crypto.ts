/**
 * @module crypto/data-crypto
 * Data-channel packet protection for one key and both directions (spec §12.1, §13.2, §13.3).
 *
 *   AEAD:  header | packet id(4) | tag(16) | ciphertext          nonce = packet id || implicit IV(8)
 *          AAD = header (P_DATA_V2 only) || packet id
 *   CBC:   header | HMAC(H) | IV(16) | AES-CBC(packet id || payload)    HMAC over IV || ciphertext
 *
 * Key slices of the 256-byte key block for the client (KEY_DIRECTION_NORMAL): send cipher
 * `[0..K)`, send HMAC / implicit IV `[64..)`, receive cipher `[128..)`, receive HMAC / IV `[192..)`.
 */
import {
  type KeyObject,
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto'
import { AuthenticationTagError, TruncatedPacketError } from '../errors.js'
import { DATA_V2_HEADER_LENGTH } from '../wire/constants.js'
import { type CipherInfo, cipherInfo } from './ciphers.js'
import { digestLength, nodeDigestName } from './digest.js'

export const AEAD_TAG_LENGTH = 16
const IMPLICIT_IV_LENGTH = 8
const CBC_IV_LENGTH = 16

export interface OpenedPacket {
  packetId: number
  payload: Buffer
}

export interface DataCrypto {
  readonly cipher: CipherInfo
  /** Bytes added to a payload besides the header. */
  readonly overhead: number
  /** Protects `payload` and returns `header || protected`. */
  seal(header: Buffer, packetId: number, payload: Buffer): Buffer
  /** Verifies and decrypts `packet` whose first `headerLength` bytes are the header. */
  open(packet: Buffer, headerLength: number): OpenedPacket
}

export interface DataKeySlices {
  sendCipher: Buffer
  sendHmac: Buffer
  receiveCipher: Buffer
  receiveHmac: Buffer
}

/** Client-side slices (spec §12.1). `role: 'server'` mirrors them (tests). */
export function sliceKeyBlock(key2: Buffer, role: 'client' | 'server' = 'client'): DataKeySlices {
  const k0 = { c: key2.subarray(0, 64), h: key2.subarray(64, 128) }
  const k1 = { c: key2.subarray(128, 192), h: key2.subarray(192, 256) }
  const [s, r] = role === 'client' ? [k0, k1] : [k1, k0]
  return { sendCipher: s.c, sendHmac: s.h, receiveCipher: r.c, receiveHmac: r.h }
}

// Per-packet cost is dominated by node:crypto (one cipher context per packet is unavoidable: the
// API cannot re-key a context with a new nonce). Everything else is kept allocation-light: keys
// are KeyObjects, the AAD is a view into the packet (header and packet id are adjacent), nonces
// and cipher options are reused, and CBC IVs come from a pooled CSPRNG buffer.
const AEAD_OPTIONS = { authTagLength: AEAD_TAG_LENGTH } as const

class AeadCrypto implements DataCrypto {
  readonly overhead = 4 + AEAD_TAG_LENGTH
  private readonly node: 'aes-256-gcm'
  private readonly encKey: KeyObject
  private readonly decKey: KeyObject
  // Reused nonces: packet id(4) || implicit IV(8).
  private readonly encNonce = Buffer.alloc(12)
  private readonly decNonce = Buffer.alloc(12)
  constructor(
    readonly cipher: CipherInfo,
    slices: DataKeySlices
  ) {
    this.node = cipher.node as 'aes-256-gcm'
    this.encKey = createSecretKey(slices.sendCipher.subarray(0, cipher.keyLength))
    this.decKey = createSecretKey(slices.receiveCipher.subarray(0, cipher.keyLength))
    slices.sendHmac.copy(this.encNonce, 4, 0, IMPLICIT_IV_LENGTH)
    slices.receiveHmac.copy(this.decNonce, 4, 0, IMPLICIT_IV_LENGTH)
  }

  seal(header: Buffer, packetId: number, payload: Buffer): Buffer {
    const hl = header.length
    const out = Buffer.allocUnsafe(hl + this.overhead + payload.length)
    header.copy(out, 0)
    out.writeUInt32BE(packetId >>> 0, hl)
    this.encNonce.writeUInt32BE(packetId >>> 0, 0)
    const c = createCipheriv(this.node, this.encKey, this.encNonce, AEAD_OPTIONS)
    // AAD = header || packet id for P_DATA_V2, packet id alone otherwise (spec §13.2).
    c.setAAD(out.subarray(hl === DATA_V2_HEADER_LENGTH ? 0 : hl, hl + 4))
    const ct = c.update(payload)
    c.final()
    c.getAuthTag().copy(out, hl + 4)
    ct.copy(out, hl + 4 + AEAD_TAG_LENGTH)
    return out
  }

  open(packet: Buffer, headerLength: number): OpenedPacket {
    if (packet.length < headerLength + this.overhead) {
      throw new TruncatedPacketError(`data packet of ${packet.length} bytes`)
    }
    const tagOff = headerLength + 4
    packet.copy(this.decNonce, 0, headerLength, tagOff)
    const d = createDecipheriv(this.node, this.decKey, this.decNonce, AEAD_OPTIONS)
    d.setAAD(packet.subarray(headerLength === DATA_V2_HEADER_LENGTH ? 0 : headerLength, tagOff))
    d.setAuthTag(packet.subarray(tagOff, tagOff + AEAD_TAG_LENGTH))
    const pt = d.update(packet.subarray(tagOff + AEAD_TAG_LENGTH))
    try {
      d.final()
    } catch (err) {
      throw new AuthenticationTagError('data packet authentication failed', { cause: err })
    }
    return { packetId: packet.readUInt32BE(headerLength), payload: pt }
  }
}

/** CSPRNG output handed out 16 bytes at a time (one randomFillSync per 256 IVs). */
class IvPool {
  private readonly pool = Buffer.allocUnsafe(CBC_IV_LENGTH * 256)
  private offset = this.pool.length

  /** Copies a fresh random IV into `out` at `at`. */
  fill(out: Buffer, at: number): void {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool)
      this.offset = 0
    }
    this.pool.copy(out, at, this.offset, this.offset + CBC_IV_LENGTH)
    this.pool.fill(0, this.offset, this.offset + CBC_IV_LENGTH)
    this.offset += CBC_IV_LENGTH
  }
}

class CbcCrypto implements DataCrypto {
  readonly overhead: number
  private readonly node: 'aes-256-cbc'
  private readonly alg: string
  private readonly hmacLen: number
  private readonly encKey: KeyObject
  private readonly encHmac: KeyObject
  private readonly decKey: KeyObject
  private readonly decHmac: KeyObject
  private readonly ivs = new IvPool()
  private readonly pid = Buffer.alloc(4)
  constructor(
    readonly cipher: CipherInfo,
    digest: string,
    slices: DataKeySlices
  ) {
    this.node = cipher.node as 'aes-256-cbc'
    this.alg = nodeDigestName(digest)
    this.hmacLen = digestLength(digest)
    this.overhead = this.hmacLen + CBC_IV_LENGTH + 4 + 16 // worst-case padding
    this.encKey = createSecretKey(slices.sendCipher.subarray(0, cipher.keyLength))
    this.encHmac = createSecretKey(slices.sendHmac.subarray(0, this.hmacLen))
    this.decKey = createSecretKey(slices.receiveCipher.subarray(0, cipher.keyLength))
    this.decHmac = createSecretKey(slices.receiveHmac.subarray(0, this.hmacLen))
  }

  seal(header: Buffer, packetId: number, payload: Buffer): Buffer {
    const hl = header.length
    const ivOff = hl + this.hmacLen
    const ctOff = ivOff + CBC_IV_LENGTH
    // PKCS#7 always adds 1..16 bytes to packet id || payload.
    const ctLen = ((4 + payload.length) & ~15) + 16
    const out = Buffer.allocUnsafe(ctOff + ctLen)
    header.copy(out, 0)
    this.ivs.fill(out, ivOff)
    this.pid.writeUInt32BE(packetId >>> 0, 0)
    const c = createCipheriv(this.node, this.encKey, out.subarray(ivOff, ctOff))
    let at = ctOff
    at += c.update(this.pid).copy(out, at)
    at += c.update(payload).copy(out, at)
    at += c.final().copy(out, at)
    createHmac(this.alg, this.encHmac).update(out.subarray(ivOff, at)).digest().copy(out, hl)
    return out
  }

  open(packet: Buffer, headerLength: number): OpenedPacket {
    const min = headerLength + this.hmacLen + CBC_IV_LENGTH + 16
    if (packet.length < min) throw new TruncatedPacketError(`data packet of ${packet.length} bytes`)
    const ivOff = headerLength + this.hmacLen
    const ctOff = ivOff + CBC_IV_LENGTH
    const expect = createHmac(this.alg, this.decHmac).update(packet.subarray(ivOff)).digest()
    if (!timingSafeEqual(packet.subarray(headerLength, ivOff), expect)) {
      throw new AuthenticationTagError('data packet HMAC mismatch')
    }
    // Padding is checked here rather than by OpenSSL, so the decrypted blocks come back in one
    // buffer; the HMAC is already verified, so this check cannot act as a padding oracle.
    if ((packet.length - ctOff) % 16 !== 0) {
      throw new AuthenticationTagError('data packet padding invalid')
    }
    const d = createDecipheriv(this.node, this.decKey, packet.subarray(ivOff, ctOff))
    d.setAutoPadding(false)
    const pt = d.update(packet.subarray(ctOff))
    const pad = pt[pt.length - 1] ?? 0
    let bad = pad === 0 || pad > 16 || pad > pt.length ? 1 : 0
    for (let i = pt.length - pad; bad === 0 && i < pt.length; i++) if (pt[i] !== pad) bad = 1
    if (bad) throw new AuthenticationTagError('data packet padding invalid')
    const end = pt.length - pad
    if (end < 4) throw new TruncatedPacketError('CBC plaintext without packet id')
    return { packetId: pt.readUInt32BE(0), payload: pt.subarray(4, end) }
  }
}

export interface DataCryptoOptions {
  cipher: string
  /** `--auth` digest for CBC ciphers (default SHA1). Ignored for AEAD. */
  digest?: string
  /** The 256-byte key block (EKM or PRF output). */
  keyBlock: Buffer
  role?: 'client' | 'server'
}

/**
 * Builds the DataCrypto for one negotiated key. The engine defaults to `createDataCrypto`
 * (node:crypto); a client can inject another implementation (the backend passes the native
 * AEAD of `@openvpn3-ts/aead`). `opts.keyBlock` is wiped by the engine once this returns.
 */
export type DataCryptoFactory = (opts: DataCryptoOptions) => DataCrypto

export function createDataCrypto(opts: DataCryptoOptions): DataCrypto {
  const info = cipherInfo(opts.cipher)
  const slices = sliceKeyBlock(opts.keyBlock, opts.role)
  return info.aead
    ? new AeadCrypto(info, slices)
    : new CbcCrypto(info, opts.digest ?? 'SHA1', slices)
}
