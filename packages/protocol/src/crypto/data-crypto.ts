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
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
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

class AeadCrypto implements DataCrypto {
  readonly overhead = 4 + AEAD_TAG_LENGTH
  private readonly encKey: Buffer
  private readonly encIv: Buffer
  private readonly decKey: Buffer
  private readonly decIv: Buffer
  constructor(
    readonly cipher: CipherInfo,
    slices: DataKeySlices
  ) {
    this.encKey = Buffer.from(slices.sendCipher.subarray(0, cipher.keyLength))
    this.encIv = Buffer.from(slices.sendHmac.subarray(0, IMPLICIT_IV_LENGTH))
    this.decKey = Buffer.from(slices.receiveCipher.subarray(0, cipher.keyLength))
    this.decIv = Buffer.from(slices.receiveHmac.subarray(0, IMPLICIT_IV_LENGTH))
    this.encIv.copy(this.encNonce, 4)
    this.decIv.copy(this.decNonce, 4)
  }

  // Reused per-instance buffers: nonce = packet id || implicit IV; AAD = [header(4)] || packet id.
  private readonly encNonce = Buffer.alloc(12)
  private readonly decNonce = Buffer.alloc(12)
  private readonly aadV2 = Buffer.alloc(8)

  private aad(header: Buffer, pid: Buffer): Buffer {
    if (header.length !== DATA_V2_HEADER_LENGTH) return pid
    header.copy(this.aadV2, 0)
    pid.copy(this.aadV2, 4)
    return this.aadV2
  }

  seal(header: Buffer, packetId: number, payload: Buffer): Buffer {
    const out = Buffer.allocUnsafe(header.length + this.overhead + payload.length)
    header.copy(out, 0)
    const pidOff = header.length
    out.writeUInt32BE(packetId >>> 0, pidOff)
    const pid = out.subarray(pidOff, pidOff + 4)
    this.encNonce.writeUInt32BE(packetId >>> 0, 0)
    const c = createCipheriv(this.cipher.node as 'aes-256-gcm', this.encKey, this.encNonce, {
      authTagLength: AEAD_TAG_LENGTH,
    })
    c.setAAD(this.aad(header, pid))
    const ct = c.update(payload)
    c.final()
    c.getAuthTag().copy(out, pidOff + 4)
    ct.copy(out, pidOff + 4 + AEAD_TAG_LENGTH)
    return out
  }

  open(packet: Buffer, headerLength: number): OpenedPacket {
    if (packet.length < headerLength + this.overhead) {
      throw new TruncatedPacketError(`data packet of ${packet.length} bytes`)
    }
    const header = packet.subarray(0, headerLength)
    const pid = packet.subarray(headerLength, headerLength + 4)
    const tag = packet.subarray(headerLength + 4, headerLength + 4 + AEAD_TAG_LENGTH)
    const ct = packet.subarray(headerLength + this.overhead)
    pid.copy(this.decNonce, 0)
    const d = createDecipheriv(this.cipher.node as 'aes-256-gcm', this.decKey, this.decNonce, {
      authTagLength: AEAD_TAG_LENGTH,
    })
    d.setAAD(this.aad(header, pid))
    d.setAuthTag(tag)
    const pt = d.update(ct)
    try {
      d.final()
    } catch (err) {
      throw new AuthenticationTagError('data packet authentication failed', { cause: err })
    }
    return { packetId: pid.readUInt32BE(0), payload: pt }
  }
}

class CbcCrypto implements DataCrypto {
  readonly overhead: number
  private readonly alg: string
  private readonly hmacLen: number
  private readonly encKey: Buffer
  private readonly encHmac: Buffer
  private readonly decKey: Buffer
  private readonly decHmac: Buffer
  constructor(
    readonly cipher: CipherInfo,
    digest: string,
    slices: DataKeySlices
  ) {
    this.alg = nodeDigestName(digest)
    this.hmacLen = digestLength(digest)
    this.overhead = this.hmacLen + CBC_IV_LENGTH + 4 + 16 // worst-case padding
    this.encKey = Buffer.from(slices.sendCipher.subarray(0, cipher.keyLength))
    this.encHmac = Buffer.from(slices.sendHmac.subarray(0, this.hmacLen))
    this.decKey = Buffer.from(slices.receiveCipher.subarray(0, cipher.keyLength))
    this.decHmac = Buffer.from(slices.receiveHmac.subarray(0, this.hmacLen))
  }

  seal(header: Buffer, packetId: number, payload: Buffer): Buffer {
    const iv = randomBytes(CBC_IV_LENGTH)
    const pid = Buffer.allocUnsafe(4)
    pid.writeUInt32BE(packetId >>> 0, 0)
    const c = createCipheriv(this.cipher.node, this.encKey, iv)
    const ct = Buffer.concat([c.update(pid), c.update(payload), c.final()])
    const mac = createHmac(this.alg, this.encHmac).update(iv).update(ct).digest()
    return Buffer.concat([header, mac, iv, ct])
  }

  open(packet: Buffer, headerLength: number): OpenedPacket {
    const min = headerLength + this.hmacLen + CBC_IV_LENGTH + 16
    if (packet.length < min) throw new TruncatedPacketError(`data packet of ${packet.length} bytes`)
    const mac = packet.subarray(headerLength, headerLength + this.hmacLen)
    const ivct = packet.subarray(headerLength + this.hmacLen)
    const expect = createHmac(this.alg, this.decHmac).update(ivct).digest()
    if (!timingSafeEqual(mac, expect)) throw new AuthenticationTagError('data packet HMAC mismatch')
    const d = createDecipheriv(this.cipher.node, this.decKey, ivct.subarray(0, CBC_IV_LENGTH))
    let pt: Buffer
    try {
      pt = Buffer.concat([d.update(ivct.subarray(CBC_IV_LENGTH)), d.final()])
    } catch (err) {
      throw new AuthenticationTagError('data packet padding invalid', { cause: err })
    }
    if (pt.length < 4) throw new TruncatedPacketError('CBC plaintext without packet id')
    return { packetId: pt.readUInt32BE(0), payload: pt.subarray(4) }
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

export function createDataCrypto(opts: DataCryptoOptions): DataCrypto {
  const info = cipherInfo(opts.cipher)
  const slices = sliceKeyBlock(opts.keyBlock, opts.role)
  return info.aead
    ? new AeadCrypto(info, slices)
    : new CbcCrypto(info, opts.digest ?? 'SHA1', slices)
}
