/**
 * Parsers for single directive arguments (numbers, ports, hosts, addresses, netmasks), shared by
 * the directive handlers. Each returns the typed value or null; the caller writes the issue, so
 * that every message can name the directive and quote the value (guide rule 8).
 */
import { isIPv4, isIPv6 } from 'node:net'

/** A non-negative decimal integer within [min, max], or null. Rejects signs, hex and blanks. */
export function parseInteger(text: string, min: number, max: number): number | null {
  if (!/^\d{1,15}$/.test(text)) return null
  const n = Number(text)
  return n >= min && n <= max ? n : null
}

/** A TCP/UDP port 1–65535. */
export function parsePort(text: string): number | null {
  return parseInteger(text, 1, 65535)
}

/** A host name (RFC 1123 labels, `_` tolerated as OpenVPN does) or an IPv4/IPv6 literal. */
export function isHost(text: string): boolean {
  if (isIPv4(text) || isIPv6(text)) return true
  if (text.length === 0 || text.length > 253) return false
  return text
    .replace(/\.$/, '')
    .split('.')
    .every((label) => /^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/.test(label))
}

export { isIPv4, isIPv6 }

/** A dotted netmask with contiguous ones (255.255.255.0); returns the prefix length or null. */
export function netmaskPrefix(text: string): number | null {
  if (!isIPv4(text)) return null
  const n = text.split('.').reduce((acc, part) => acc * 256 + Number(part), 0)
  const bits = n.toString(2).padStart(32, '0')
  if (!/^1*0*$/.test(bits)) return null
  return bits.indexOf('0') === -1 ? 32 : bits.indexOf('0')
}

/** `ADDR/BITS` for IPv6 (bits 0–128), or null. */
export function parseIPv6Prefix(text: string): { address: string; bits: number } | null {
  const slash = text.lastIndexOf('/')
  const address = slash < 0 ? text : text.slice(0, slash)
  const bits = slash < 0 ? 128 : parseInteger(text.slice(slash + 1), 0, 128)
  if (bits === null || !isIPv6(address)) return null
  return { address, bits }
}
