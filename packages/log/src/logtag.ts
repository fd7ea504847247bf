/**
 * Log tags (spec §8.2, upstream logtag.cpp): a subscription is named
 * `[<unique bus name>/<interface>]` and shown as `{tag:<decimal hash>}`. Upstream hashes with
 * the C++ standard library string hash; the value is opaque, so we use 64-bit FNV-1a.
 */

const FNV_OFFSET = 0xcbf29ce484222325n
const FNV_PRIME = 0x100000001b3n
const MASK = (1n << 64n) - 1n

/** 64-bit FNV-1a of the UTF-8 bytes of `text`, as a decimal string. */
export function tagHash(text: string): string {
  let h = FNV_OFFSET
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= BigInt(b)
    h = (h * FNV_PRIME) & MASK
  }
  return h.toString(10)
}

export interface LogTag {
  /** `[<busname>/<interface>]` */
  text: string
  /** decimal hash */
  hash: string
  /** `{tag:<hash>}` */
  display: string
}

export function makeLogTag(busName: string, iface: string): LogTag {
  const text = `[${busName}/${iface}]`
  const hash = tagHash(text)
  return { text, hash, display: `{tag:${hash}}` }
}
