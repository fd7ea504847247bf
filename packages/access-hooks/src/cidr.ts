/**
 * CIDR matching for IPv4 and IPv6 source addresses (IPv4-mapped IPv6 is matched as IPv4),
 * built on node:net's BlockList.
 */
import * as net from 'node:net'

export class InvalidCidrError extends Error {
  override name = 'InvalidCidrError'
}

export function parseCidr(text: string): {
  address: string
  prefix: number
  family: 'ipv4' | 'ipv6'
} {
  const [addr, pfx] = text.trim().split('/')
  const family = addr ? net.isIP(addr) : 0
  if (!addr || family === 0) throw new InvalidCidrError(`not an IP address or CIDR: "${text}"`)
  const max = family === 4 ? 32 : 128
  const prefix = pfx === undefined ? max : Number(pfx)
  if (
    !Number.isInteger(prefix) ||
    prefix < 0 ||
    prefix > max ||
    (pfx !== undefined && !/^\d+$/.test(pfx))
  ) {
    throw new InvalidCidrError(`bad prefix length in "${text}"`)
  }
  return { address: addr, prefix, family: family === 4 ? 'ipv4' : 'ipv6' }
}

export class CidrSet {
  #list = new net.BlockList()
  readonly size: number

  constructor(cidrs: readonly string[]) {
    for (const c of cidrs) {
      const p = parseCidr(c)
      this.#list.addSubnet(p.address, p.prefix, p.family)
    }
    this.size = cidrs.length
  }

  has(ip: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)
    const addr = mapped?.[1] ?? ip
    const family = net.isIP(addr)
    if (family === 0) return false
    return this.#list.check(addr, family === 4 ? 'ipv4' : 'ipv6')
  }
}
