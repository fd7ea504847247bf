/**
 * @module data/compression
 * Compression *framing* without compression (spec §14): none, `comp-lzo no` (0xFA),
 * `compress stub` (0xFB with swap) and `compress stub-v2` (0x50 escape). The client never
 * compresses; compressed input is rejected.
 */
import { MalformedPacketError } from '../errors.js'
import {
  COMP_ALGV2_INDICATOR_BYTE,
  COMP_ALGV2_UNCOMPRESSED,
  NO_COMPRESS_BYTE,
  NO_COMPRESS_BYTE_SWAP,
} from '../wire/constants.js'

export type CompressionFraming = 'none' | 'lzo-no' | 'stub' | 'stub-v2'

export function frame(mode: CompressionFraming, payload: Buffer): Buffer {
  switch (mode) {
    case 'none':
      return payload
    case 'lzo-no':
      return Buffer.concat([Buffer.from([NO_COMPRESS_BYTE]), payload])
    case 'stub': {
      if (payload.length === 0) return Buffer.from([NO_COMPRESS_BYTE_SWAP])
      const out = Buffer.allocUnsafe(payload.length + 1)
      out[0] = NO_COMPRESS_BYTE_SWAP
      payload.copy(out, 1, 1)
      out[out.length - 1] = payload[0] ?? 0
      return out
    }
    case 'stub-v2':
      return payload[0] === COMP_ALGV2_INDICATOR_BYTE
        ? Buffer.concat([
            Buffer.from([COMP_ALGV2_INDICATOR_BYTE, COMP_ALGV2_UNCOMPRESSED]),
            payload,
          ])
        : payload
  }
}

export function deframe(mode: CompressionFraming, data: Buffer): Buffer {
  switch (mode) {
    case 'none':
      return data
    case 'lzo-no':
      if (data[0] !== NO_COMPRESS_BYTE)
        throw new MalformedPacketError('expected uncompressed LZO marker')
      return data.subarray(1)
    case 'stub': {
      if (data[0] !== NO_COMPRESS_BYTE_SWAP) throw new MalformedPacketError('expected stub marker')
      if (data.length === 1) return Buffer.alloc(0)
      const out = Buffer.allocUnsafe(data.length - 1)
      out[0] = data[data.length - 1] ?? 0
      data.copy(out, 1, 1, data.length - 1)
      return out
    }
    case 'stub-v2':
      if (data[0] !== COMP_ALGV2_INDICATOR_BYTE) return data
      if (data[1] !== COMP_ALGV2_UNCOMPRESSED)
        throw new MalformedPacketError('compressed v2 payload')
      return data.subarray(2)
  }
}
