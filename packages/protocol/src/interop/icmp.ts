/**
 * @module interop/icmp
 * Builds and checks IPv4 ICMP echo packets (RFC 791, RFC 792) for the interop probe and the
 * benchmarks: the probe sends its own pings through the data channel.
 */

export function internetChecksum(buf: Uint8Array, start = 0, end = buf.length): number {
  let sum = 0
  for (let i = start; i + 1 < end; i += 2) sum += ((buf[i] ?? 0) << 8) | (buf[i + 1] ?? 0)
  if ((end - start) % 2 === 1) sum += (buf[end - 1] ?? 0) << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

function ipBytes(ip: string): Buffer {
  const parts = ip.split('.').map((p) => Number.parseInt(p, 10))
  if (parts.length !== 4 || parts.some((p) => !(p >= 0 && p <= 255)))
    throw new Error(`bad IPv4 ${ip}`)
  return Buffer.from(parts)
}

export function buildEchoRequest(
  src: string,
  dst: string,
  id: number,
  seq: number,
  data: Buffer
): Buffer {
  const icmpLen = 8 + data.length
  const pkt = Buffer.alloc(20 + icmpLen)
  pkt[0] = 0x45
  pkt.writeUInt16BE(pkt.length, 2)
  pkt.writeUInt16BE((id + seq) & 0xffff, 4)
  pkt[8] = 64 // TTL
  pkt[9] = 1 // ICMP
  ipBytes(src).copy(pkt, 12)
  ipBytes(dst).copy(pkt, 16)
  pkt.writeUInt16BE(internetChecksum(pkt, 0, 20), 10)
  pkt[20] = 8 // echo request
  pkt.writeUInt16BE(id, 24)
  pkt.writeUInt16BE(seq, 26)
  data.copy(pkt, 28)
  pkt.writeUInt16BE(internetChecksum(pkt, 20, pkt.length), 22)
  return pkt
}

export interface EchoReply {
  src: string
  dst: string
  id: number
  seq: number
  data: Buffer
}

/** Parses an IPv4 ICMP echo reply, verifying both checksums; undefined for anything else. */
export function parseEchoReply(pkt: Buffer): EchoReply | undefined {
  if (pkt.length < 28 || (pkt[0] ?? 0) >> 4 !== 4) return undefined
  const ihl = ((pkt[0] ?? 0) & 0x0f) * 4
  if (pkt[9] !== 1 || pkt.length < ihl + 8) return undefined
  if (internetChecksum(pkt, 0, ihl) !== 0) return undefined
  const total = pkt.readUInt16BE(2)
  if (total > pkt.length) return undefined
  if (pkt[ihl] !== 0) return undefined
  if (internetChecksum(pkt, ihl, total) !== 0) return undefined
  return {
    src: [...pkt.subarray(12, 16)].join('.'),
    dst: [...pkt.subarray(16, 20)].join('.'),
    id: pkt.readUInt16BE(ihl + 4),
    seq: pkt.readUInt16BE(ihl + 6),
    data: Buffer.from(pkt.subarray(ihl + 8, total)),
  }
}
