/**
 * IP address and prefix helpers for the values callers send to netcfg (spec §7.3 AddIPAddress,
 * AddNetworks, SetRemoteAddress): validation, network normalisation (the kernel refuses
 * `10.1.2.3/24` as a route), and the address bytes systemd-resolved wants (spec §7.7).
 */
import { isIPv4, isIPv6 } from 'node:net'
import { InvalidNetworkInputError } from '../errors.js'
import type { Family } from './ip.js'

export function familyOf(addr: string, ipv6: boolean): Family {
  if (ipv6 ? !isIPv6(addr) : !isIPv4(addr)) {
    throw new InvalidNetworkInputError(`not an IPv${ipv6 ? 6 : 4} address: '${addr}'`)
  }
  return ipv6 ? 6 : 4
}

export function checkPrefix(family: Family, prefix: number): void {
  const max = family === 4 ? 32 : 128
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
    throw new InvalidNetworkInputError(`invalid IPv${family} prefix length: ${prefix}`)
  }
}

function v4ToBigInt(a: string): bigint {
  return a.split('.').reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n)
}

function v6ToBigInt(a: string): bigint {
  let s = a
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (v4?.[1]) {
    const n = v4ToBigInt(v4[1])
    s = s.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`
  }
  const [head = '', tail] = s.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail !== '' ? tail.split(':') : []
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n)
}

function bigIntToV4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.')
}

function bigIntToV6(n: bigint): string {
  const groups: string[] = []
  for (let i = 7; i >= 0; i--) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16))
  // compress the longest run of zero groups
  let best = -1
  let bestLen = 0
  for (let i = 0; i < 8;) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen && j - i > 1) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`
}

/** The network address of `addr/prefix` (host bits cleared). */
export function networkOf(family: Family, addr: string, prefix: number): string {
  checkPrefix(family, prefix)
  const bits = family === 4 ? 32 : 128
  const n = family === 4 ? v4ToBigInt(addr) : v6ToBigInt(addr)
  const mask = prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix)
  const net = n & mask
  return family === 4 ? bigIntToV4(net) : bigIntToV6(net)
}

/** Address bytes (4 or 16) for resolve1's `a(iay)`. */
export function addressBytes(family: Family, addr: string): number[] {
  const n = family === 4 ? v4ToBigInt(addr) : v6ToBigInt(addr)
  const len = family === 4 ? 4 : 16
  const out: number[] = []
  for (let i = len - 1; i >= 0; i--) out.push(Number((n >> BigInt(i * 8)) & 0xffn))
  return out
}

/** Host prefix length of a family (32 or 128). */
export function hostPrefix(family: Family): number {
  return family === 4 ? 32 : 128
}
