/**
 * Test and benchmark helpers: build and parse minimal IPv4/UDP packets (RFC 791, RFC 768).
 * The UDP checksum is left 0 ("no checksum", allowed for IPv4 by RFC 768).
 */
const IPV4_HEADER = 20
const UDP_HEADER = 8

function addrBytes(a: string): number[] {
  const parts = a.split('.').map(Number)
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new RangeError(`not an IPv4 address: ${a}`)
  }
  return parts
}

function checksum(buf: Buffer, start: number, end: number): number {
  let sum = 0
  for (let i = start; i < end; i += 2) sum += buf.readUInt16BE(i)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

export function buildUdp4(
  src: string,
  dst: string,
  srcPort: number,
  dstPort: number,
  payload: Uint8Array
): Buffer {
  const total = IPV4_HEADER + UDP_HEADER + payload.length
  const b = Buffer.alloc(total)
  b[0] = 0x45
  b.writeUInt16BE(total, 2)
  b[8] = 64 // TTL
  b[9] = 17 // UDP
  Buffer.from(addrBytes(src)).copy(b, 12)
  Buffer.from(addrBytes(dst)).copy(b, 16)
  b.writeUInt16BE(checksum(b, 0, IPV4_HEADER), 10)
  b.writeUInt16BE(srcPort, IPV4_HEADER)
  b.writeUInt16BE(dstPort, IPV4_HEADER + 2)
  b.writeUInt16BE(UDP_HEADER + payload.length, IPV4_HEADER + 4)
  Buffer.from(payload).copy(b, IPV4_HEADER + UDP_HEADER)
  return b
}

export interface Udp4 {
  src: string
  dst: string
  srcPort: number
  dstPort: number
  payload: Buffer
}

/** Parses an IPv4/UDP packet; undefined for anything else. */
export function parseUdp4(p: Buffer): Udp4 | undefined {
  if (p.length < IPV4_HEADER + UDP_HEADER || p[0] === undefined || p[0] >> 4 !== 4) return undefined
  const ihl = (p[0] & 0x0f) * 4
  if (p[9] !== 17 || p.length < ihl + UDP_HEADER) return undefined
  const ulen = p.readUInt16BE(ihl + 4)
  return {
    src: [...p.subarray(12, 16)].join('.'),
    dst: [...p.subarray(16, 20)].join('.'),
    srcPort: p.readUInt16BE(ihl),
    dstPort: p.readUInt16BE(ihl + 2),
    payload: p.subarray(ihl + UDP_HEADER, ihl + ulen),
  }
}
