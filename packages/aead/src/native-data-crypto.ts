/**
 * @module native-data-crypto
 * The protocol engine's DataCrypto over the native AEAD addon (spec §13.2, same packet layout
 * and AAD rules as `createDataCrypto` of @openvpn3-ts/protocol):
 *
 *   header | packet id(4) | tag(16) | ciphertext      nonce = packet id || implicit IV(8)
 *   AAD = header || packet id for P_DATA_V2 (4-byte header), packet id alone for P_DATA_V1
 *
 * One native call per packet: JS allocates the output (Buffer pool), the addon copies the header,
 * writes the packet id, encrypts and places the tag. CBC ciphers stay on node:crypto.
 */
import {
  AEAD_TAG_LENGTH,
  AuthenticationTagError,
  type CipherInfo,
  type DataCrypto,
  type DataCryptoOptions,
  type DataKeySlices,
  type OpenedPacket,
  TruncatedPacketError,
  cipherInfo,
  createDataCrypto,
  sliceKeyBlock,
} from '@openvpn3-ts/protocol'
import { type AeadAddon, type NativeAeadContext, NativeCipherId, loadAeadAddon } from './native.js'

const IMPLICIT_IV_LENGTH = 8
const OVERHEAD = 4 + AEAD_TAG_LENGTH

function isNativeCipher(name: string): name is keyof typeof NativeCipherId {
  return Object.hasOwn(NativeCipherId, name)
}

/** DataCrypto of one key over two native contexts (send: encrypt, receive: decrypt). */
export class NativeAeadCrypto implements DataCrypto {
  readonly overhead = OVERHEAD
  private readonly enc: NativeAeadContext
  private readonly dec: NativeAeadContext

  constructor(
    readonly cipher: CipherInfo,
    slices: DataKeySlices,
    addon: AeadAddon = loadAeadAddon()
  ) {
    if (!isNativeCipher(cipher.name)) {
      throw new TypeError(`${cipher.name} is not an AEAD cipher of the native addon`)
    }
    const id = NativeCipherId[cipher.name]
    const k = cipher.keyLength
    this.enc = new addon.Context(
      id,
      slices.sendCipher.subarray(0, k),
      slices.sendHmac.subarray(0, IMPLICIT_IV_LENGTH),
      true
    )
    try {
      this.dec = new addon.Context(
        id,
        slices.receiveCipher.subarray(0, k),
        slices.receiveHmac.subarray(0, IMPLICIT_IV_LENGTH),
        false
      )
    } catch (err) {
      this.enc.destroy()
      throw err
    }
  }

  seal(header: Buffer, packetId: number, payload: Buffer): Buffer {
    const out = Buffer.allocUnsafe(header.length + OVERHEAD + payload.length)
    this.enc.seal(out, header, packetId >>> 0, payload)
    return out
  }

  open(packet: Buffer, headerLength: number): OpenedPacket {
    const ptLength = packet.length - headerLength - OVERHEAD
    if (ptLength < 0 || headerLength < 0) {
      throw new TruncatedPacketError(`data packet of ${packet.length} bytes`)
    }
    const payload = Buffer.allocUnsafe(ptLength)
    if (!this.dec.open(packet, headerLength, payload)) {
      throw new AuthenticationTagError('data packet authentication failed')
    }
    return { packetId: packet.readUInt32BE(headerLength), payload }
  }

  /** Frees both OpenSSL contexts now (key schedules cleared); the object is unusable after. */
  destroy(): void {
    this.enc.destroy()
    this.dec.destroy()
  }
}

/**
 * `DataCryptoFactory` for the engine: native contexts for the GCM ciphers and
 * CHACHA20-POLY1305, node:crypto (`createDataCrypto`) for CBC.
 */
export function createNativeDataCrypto(opts: DataCryptoOptions): DataCrypto {
  const info = cipherInfo(opts.cipher)
  if (!info.aead) return createDataCrypto(opts)
  return new NativeAeadCrypto(info, sliceKeyBlock(opts.keyBlock, opts.role))
}
