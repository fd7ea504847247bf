/**
 * Real-time notification parser: turns management lines into typed notifications, assembling
 * `>CLIENT:…` headers with their `>CLIENT:ENV,…` lines up to `>CLIENT:ENV,END` (spec 2.3, 2.4).
 * Every header is validated with zod; ENV blocks are capped (hostile input, spec 10).
 */
import { z } from 'zod'
import { MAX_ENV_BLOCK_BYTES, MAX_ENV_VARS } from '../constants.js'

/** CID/KID: unsigned 32-bit decimal (spec 2.3 "IDs"). */
const u32 = z
  .string()
  .regex(/^\d{1,10}$/)
  .transform(Number)
  .refine((n) => n <= 0xffffffff, 'exceeds 2^32-1')
const u64 = z
  .string()
  .regex(/^\d{1,20}$/)
  .transform(Number)

const connectHeader = z.tuple([u32, u32])
const stateHeader = z.tuple([u64, z.string().regex(/^[A-Z_]+$/)])
const cidOnly = z.tuple([u32])
const crResponseHeader = z.tuple([u32, u32, z.string().regex(/^[A-Za-z0-9+/=]*$/)])
const addressHeader = z.tuple([u32, z.string().min(1).max(128), z.enum(['0', '1'])])
const bytecountHeader = z.tuple([u32, u64, u64])

export type ClientEventKind = 'CONNECT' | 'REAUTH' | 'ESTABLISHED' | 'DISCONNECT' | 'CR_RESPONSE'

export interface ClientEvent {
  kind: 'client'
  event: ClientEventKind
  cid: number
  /** Present for CONNECT, REAUTH, CR_RESPONSE. */
  kid?: number
  /** Base64 response of CR_RESPONSE. */
  response?: string
  env: Record<string, string>
  /** The ENV block exceeded our caps; variables past the cap were dropped. */
  overflow: boolean
}

export type Notification =
  | ClientEvent
  | { kind: 'address'; cid: number; address: string; primary: boolean }
  | { kind: 'bytecount'; cid: number; bytesIn: number; bytesOut: number }
  | { kind: 'info'; text: string }
  | { kind: 'hold'; text: string }
  | { kind: 'log'; text: string; time?: number; flags?: string; message?: string }
  | { kind: 'fatal'; text: string }
  | { kind: 'state'; time: number; state: string; fields: string[] }
  | { kind: 'echo'; time: number; text: string }
  | { kind: 'password'; text: string }
  | { kind: 'bytecount-total'; bytesIn: number; bytesOut: number }
  | { kind: 'updown'; event: 'UP' | 'DOWN'; env: Record<string, string>; overflow: boolean }
  | { kind: 'other'; prefix: string; text: string }

export type ParsedItem =
  | { type: 'notification'; notification: Notification }
  | { type: 'response'; line: string }
  | { type: 'malformed'; line: string; reason: string }

interface OpenBlock {
  event: ClientEventKind
  cid: number
  kid?: number
  response?: string
  env: Record<string, string>
  count: number
  bytes: number
  overflow: boolean
}

const CLIENT_EVENTS = new Set<string>([
  'CONNECT',
  'REAUTH',
  'ESTABLISHED',
  'DISCONNECT',
  'CR_RESPONSE',
])

/** Stateful parser: feed it one line at a time. */
export class NotificationParser {
  #block: OpenBlock | undefined
  #updown:
    | {
        event: 'UP' | 'DOWN'
        env: Record<string, string>
        count: number
        bytes: number
        overflow: boolean
      }
    | undefined

  /** True while inside a >CLIENT: ENV block. */
  get inBlock(): boolean {
    return this.#block !== undefined
  }

  reset(): void {
    this.#block = undefined
    this.#updown = undefined
  }

  feed(line: string): ParsedItem[] {
    const out: ParsedItem[] = []
    if (this.#block) {
      if (line.startsWith('>CLIENT:ENV,')) {
        const item = this.#addEnv(this.#block, line.slice('>CLIENT:ENV,'.length))
        if (item) out.push(item)
        return out
      }
      // A block must not be interleaved (spec 2.2); drop the partial block and go on.
      out.push({
        type: 'malformed',
        line: `>CLIENT:${this.#block.event}`,
        reason: 'ENV block interrupted',
      })
      this.#block = undefined
    }
    if (this.#updown) {
      const u = this.#updown
      if (line.startsWith('>UPDOWN:ENV,')) {
        const kv = line.slice('>UPDOWN:ENV,'.length)
        if (kv === 'END') {
          this.#updown = undefined
          out.push({
            type: 'notification',
            notification: { kind: 'updown', event: u.event, env: u.env, overflow: u.overflow },
          })
        } else addVar(u, kv)
        return out
      }
      out.push({ type: 'malformed', line: `>UPDOWN:${u.event}`, reason: 'ENV block interrupted' })
      this.#updown = undefined
    }
    if (!line.startsWith('>')) {
      out.push({ type: 'response', line })
      return out
    }
    const colon = line.indexOf(':')
    if (colon < 0) {
      out.push({ type: 'malformed', line, reason: 'notification without ":"' })
      return out
    }
    const prefix = line.slice(1, colon)
    const rest = line.slice(colon + 1)
    out.push(...this.#dispatch(prefix, rest, line))
    return out
  }

  #dispatch(prefix: string, rest: string, line: string): ParsedItem[] {
    const note = (notification: Notification): ParsedItem[] => [
      { type: 'notification', notification },
    ]
    switch (prefix) {
      case 'CLIENT':
        return this.#client(rest, line)
      case 'BYTECOUNT_CLI': {
        const r = bytecountHeader.safeParse(rest.split(','))
        if (!r.success) return [{ type: 'malformed', line, reason: 'bad BYTECOUNT_CLI' }]
        const [cid, bytesIn, bytesOut] = r.data
        return note({ kind: 'bytecount', cid, bytesIn, bytesOut })
      }
      case 'INFO':
        return note({ kind: 'info', text: rest })
      case 'HOLD':
        return note({ kind: 'hold', text: rest })
      case 'LOG': {
        const m = /^(\d+),([A-Z]*),(.*)$/s.exec(rest)
        if (!m) return note({ kind: 'log', text: rest })
        return note({
          kind: 'log',
          text: rest,
          time: Number(m[1]),
          flags: m[2] ?? '',
          message: m[3] ?? '',
        })
      }
      case 'FATAL':
        return note({ kind: 'fatal', text: rest })
      case 'STATE': {
        const f = rest.split(',')
        const r = stateHeader.safeParse(f.slice(0, 2))
        if (!r.success) return [{ type: 'malformed', line, reason: 'bad STATE' }]
        return note({ kind: 'state', time: r.data[0], state: r.data[1], fields: f.slice(2) })
      }
      case 'ECHO': {
        const i = rest.indexOf(',')
        const t = u64.safeParse(rest.slice(0, i))
        if (i < 0 || !t.success) return [{ type: 'malformed', line, reason: 'bad ECHO' }]
        return note({ kind: 'echo', time: t.data, text: rest.slice(i + 1) })
      }
      case 'PASSWORD':
        return note({ kind: 'password', text: rest })
      case 'BYTECOUNT': {
        const r = z.tuple([u64, u64]).safeParse(rest.split(','))
        if (!r.success) return [{ type: 'malformed', line, reason: 'bad BYTECOUNT' }]
        return note({ kind: 'bytecount-total', bytesIn: r.data[0], bytesOut: r.data[1] })
      }
      case 'UPDOWN':
        if (rest === 'UP' || rest === 'DOWN') {
          this.#updown = { event: rest, env: {}, count: 0, bytes: 0, overflow: false }
          return []
        }
        return [{ type: 'malformed', line, reason: 'bad UPDOWN' }]
      default:
        return note({ kind: 'other', prefix, text: rest })
    }
  }

  #client(rest: string, line: string): ParsedItem[] {
    const comma = rest.indexOf(',')
    const event = comma < 0 ? rest : rest.slice(0, comma)
    const args = comma < 0 ? [] : rest.slice(comma + 1).split(',')
    if (event === 'ADDRESS') {
      const r = addressHeader.safeParse(args)
      if (!r.success) return [{ type: 'malformed', line, reason: 'bad CLIENT:ADDRESS' }]
      const [cid, address, pri] = r.data
      return [
        {
          type: 'notification',
          notification: { kind: 'address', cid, address, primary: pri === '1' },
        },
      ]
    }
    if (event === 'ENV') return [{ type: 'malformed', line, reason: 'ENV line outside a block' }]
    if (!CLIENT_EVENTS.has(event))
      return [{ type: 'malformed', line, reason: `unknown CLIENT event` }]
    const kind = event as ClientEventKind
    const base = { env: {}, count: 0, bytes: 0, overflow: false }
    if (kind === 'CONNECT' || kind === 'REAUTH') {
      const r = connectHeader.safeParse(args)
      if (!r.success) return [{ type: 'malformed', line, reason: `bad CLIENT:${kind} header` }]
      this.#block = { ...base, event: kind, cid: r.data[0], kid: r.data[1] }
    } else if (kind === 'CR_RESPONSE') {
      const r = crResponseHeader.safeParse(args)
      if (!r.success) return [{ type: 'malformed', line, reason: 'bad CLIENT:CR_RESPONSE header' }]
      this.#block = { ...base, event: kind, cid: r.data[0], kid: r.data[1], response: r.data[2] }
    } else {
      const r = cidOnly.safeParse(args)
      if (!r.success) return [{ type: 'malformed', line, reason: `bad CLIENT:${kind} header` }]
      this.#block = { ...base, event: kind, cid: r.data[0] }
    }
    return []
  }

  #addEnv(block: OpenBlock, kv: string): ParsedItem | undefined {
    if (kv === 'END') {
      this.#block = undefined
      const ev: ClientEvent = {
        kind: 'client',
        event: block.event,
        cid: block.cid,
        env: block.env,
        overflow: block.overflow,
      }
      if (block.kid !== undefined) ev.kid = block.kid
      if (block.response !== undefined) ev.response = block.response
      return { type: 'notification', notification: ev }
    }
    addVar(block, kv)
    return undefined
  }
}

/** Add one `name=value` (split at the first "=") to a capped ENV map (spec 2.4). */
function addVar(
  block: { env: Record<string, string>; count: number; bytes: number; overflow: boolean },
  kv: string
): void {
  block.count += 1
  block.bytes += kv.length
  if (block.count > MAX_ENV_VARS || block.bytes > MAX_ENV_BLOCK_BYTES) {
    block.overflow = true
    return
  }
  const eq = kv.indexOf('=')
  if (eq <= 0) return
  const name = kv.slice(0, eq)
  // Own-property map without prototype pollution.
  if (name === '__proto__' || name === 'constructor' || name === 'prototype') return
  block.env[name] = kv.slice(eq + 1)
}
