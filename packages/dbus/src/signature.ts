/**
 * D-Bus type signatures: a type-level parser that maps a signature string to the
 * TypeScript value type dbus-next uses for it, and runtime helpers (split a signature
 * into complete types, build a zod schema that checks a decoded value).
 *
 * Value mapping (dbus-next 0.10.2): s/o/g → string; b → boolean; y/n/q/i/u/h/d → number;
 * x/t → bigint; v → Variant; ay → Buffer; a{KV} → Record; aT → T[]; (…) → tuple.
 * Spec: D-Bus specification "Type System"; openvpn3 usage in spec/dbus-api.md §0.
 */
import { z } from 'zod'
import type { Variant } from './dbusnext.js'

interface BasicTypes {
  s: string
  o: string
  g: string
  b: boolean
  y: number
  n: number
  q: number
  i: number
  u: number
  h: number
  d: number
  x: bigint
  t: bigint
  v: Variant
}

/** Parse one complete type at the head of S: yields [Type, Rest]. */
type One<S extends string> = S extends `${infer C}${infer R}`
  ? C extends keyof BasicTypes
    ? [BasicTypes[C], R]
    : C extends 'a'
      ? R extends `y${infer R2}`
        ? [Buffer, R2]
        : R extends `{${infer R2}`
          ? DictEntry<R2>
          : One<R> extends [infer T, infer R3 extends string]
            ? [T[], R3]
            : never
      : C extends '('
        ? Struct<R, []>
        : never
  : never

type Struct<S extends string, Acc extends unknown[]> = S extends `)${infer R}`
  ? [Acc, R]
  : One<S> extends [infer T, infer R extends string]
    ? Struct<R, [...Acc, T]>
    : never

type DictEntry<S extends string> =
  One<S> extends [infer K, infer R extends string]
    ? One<R> extends [infer V, infer R2 extends string]
      ? R2 extends `}${infer R3}`
        ? [Record<K extends number ? number : string, V>, R3]
        : never
      : never
    : never

/** TypeScript type of a single complete D-Bus type, e.g. SigType<'a{sv}'>. */
export type SigType<S extends string> = string extends S
  ? unknown
  : One<S> extends [infer T, '']
    ? T
    : never

/** Tuple of the TypeScript types of a signature made of several complete types. */
export type SigTuple<S extends string, Acc extends unknown[] = []> = S extends ''
  ? Acc
  : One<S> extends [infer T, infer R extends string]
    ? SigTuple<R, [...Acc, T]>
    : never

const BASIC = new Set(['s', 'o', 'g', 'b', 'y', 'n', 'q', 'i', 'u', 'h', 'd', 'x', 't', 'v'])

/** Error for a malformed signature string; quotes the signature. */
export class SignatureError extends Error {
  override readonly name = 'SignatureError'
  constructor(
    readonly signature: string,
    reason: string
  ) {
    super(`invalid D-Bus signature '${signature}': ${reason}`)
  }
}

/** Length of the complete type starting at `pos`. */
function completeTypeEnd(sig: string, pos: number): number {
  const c = sig[pos]
  if (c === undefined) throw new SignatureError(sig, 'unexpected end')
  if (BASIC.has(c)) return pos + 1
  if (c === 'a') return completeTypeEnd(sig, pos + 1)
  if (c === '(' || c === '{') {
    const close = c === '(' ? ')' : '}'
    let p = pos + 1
    let members = 0
    while (sig[p] !== close) {
      if (p >= sig.length) throw new SignatureError(sig, `unclosed '${c}'`)
      p = completeTypeEnd(sig, p)
      members++
    }
    if (members === 0) throw new SignatureError(sig, 'empty container')
    if (c === '{' && members !== 2) throw new SignatureError(sig, 'dict entry needs two types')
    return p + 1
  }
  throw new SignatureError(sig, `unknown type code '${c}'`)
}

/** Split a signature into its complete types: 'sa{sv}u' → ['s', 'a{sv}', 'u']. */
export function splitSignature(sig: string): string[] {
  const out: string[] = []
  let pos = 0
  while (pos < sig.length) {
    const end = completeTypeEnd(sig, pos)
    out.push(sig.slice(pos, end))
    pos = end
  }
  return out
}

/** True when `sig` is a well-formed signature (possibly of several complete types). */
export function isValidSignature(sig: string): boolean {
  try {
    splitSignature(sig)
    return true
  } catch {
    return false
  }
}

const intRange = (min: number, max: number) => z.number().int().min(min).max(max)

/** zod schema for the decoded value of one complete type (as dbus-next produces it). */
export function schemaForType(type: string): z.ZodType {
  const c = type[0]
  switch (c) {
    case 's':
    case 'o':
    case 'g':
      return z.string()
    case 'b':
      return z.boolean()
    case 'y':
      return intRange(0, 0xff)
    case 'n':
      return intRange(-0x8000, 0x7fff)
    case 'q':
      return intRange(0, 0xffff)
    case 'i':
      return intRange(-0x80000000, 0x7fffffff)
    case 'u':
      return intRange(0, 0xffffffff)
    case 'h':
      return intRange(0, 0x7fffffff)
    case 'd':
      return z.number()
    case 'x':
      return z
        .bigint()
        .min(-(2n ** 63n))
        .max(2n ** 63n - 1n)
    case 't':
      return z
        .bigint()
        .min(0n)
        .max(2n ** 64n - 1n)
    case 'v':
      return z.custom<Variant>(
        (v) => typeof v === 'object' && v !== null && 'signature' in v && 'value' in v,
        'expected a Variant'
      )
    case 'a': {
      const inner = type.slice(1)
      if (inner === 'y') return z.instanceof(Buffer)
      if (inner.startsWith('{')) {
        // JavaScript object keys are strings whatever the key type on the wire.
        const [, v] = splitSignature(inner.slice(1, -1))
        return z.record(z.string(), schemaForType(v ?? 'v'))
      }
      return z.array(schemaForType(inner))
    }
    case '(': {
      const members = splitSignature(type.slice(1, -1)).map(schemaForType)
      return z.tuple(members as [z.ZodType, ...z.ZodType[]])
    }
    default:
      throw new SignatureError(type, 'unknown type code')
  }
}

/** zod schema for a whole body (tuple of complete types). */
export function schemaForBody(sig: string): z.ZodType {
  const parts = splitSignature(sig).map(schemaForType)
  return parts.length === 0 ? z.tuple([]) : z.tuple(parts as [z.ZodType, ...z.ZodType[]])
}
