/**
 * @module crypto/digest
 * OpenVPN `--auth` digest names mapped to node:crypto (spec §5.1, §13.3).
 */
import { UnsupportedCipherError } from '../errors.js'

const DIGESTS: Readonly<Record<string, { node: string; length: number }>> = {
  SHA1: { node: 'sha1', length: 20 },
  SHA224: { node: 'sha224', length: 28 },
  SHA256: { node: 'sha256', length: 32 },
  SHA384: { node: 'sha384', length: 48 },
  SHA512: { node: 'sha512', length: 64 },
  MD5: { node: 'md5', length: 16 },
}

function lookup(name: string): { node: string; length: number } {
  const d = DIGESTS[name.toUpperCase().replace(/-/g, '')]
  if (!d) throw new UnsupportedCipherError(`unsupported digest "${name}"`)
  return d
}

export function nodeDigestName(name: string): string {
  return lookup(name).node
}

export function digestLength(name: string): number {
  return lookup(name).length
}
