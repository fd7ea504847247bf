/**
 * Typed client proxies derived from declarations: `proxy(conn, busName, path, decl)`
 * gives one async function per declared method (positional args, typed from the
 * signatures), property get/set, and signal subscription through low-level match rules.
 * Every call has a timeout; replies are checked against the declared signature (zod).
 */
import type { DBusConnection } from './bus.js'
import type {
  InterfaceDecl,
  MethodDecl,
  MethodInTuple,
  MethodOut,
  PropertyType,
  SignalTuple,
  WritableProperties,
} from './declare.js'
import { signatureOf } from './declare.js'
import { closeQuietly } from './fdpass.js'
import { Variant } from './dbusnext.js'
import type { Variant as VariantT } from './dbusnext.js'
import { schemaForBody, schemaForType } from './signature.js'
import type { z } from 'zod'

/** A reply or signal whose body does not match the declared signature. */
export class ReplyValidationError extends Error {
  override readonly name = 'ReplyValidationError'
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly got: string,
    options?: { cause?: unknown }
  ) {
    super(`${what}: expected signature '${expected}', got '${got}'`, options)
  }
}

export interface CallOptions {
  timeoutMs?: number
  /** fds to send outside the body (declared `fds.in`, spec §1.6) */
  fds?: number[]
  /** close `fds` after sending */
  closeFdsAfterSend?: boolean
  noAutoStart?: boolean
}

/** Method result: the out value(s), plus received fds for methods that declare `fds.out`. */
export type MethodResult<M extends MethodDecl> = M extends {
  readonly fds: { readonly out: number }
}
  ? { value: MethodOut<M>; fds: number[] }
  : MethodOut<M>

type Methods<I extends InterfaceDecl> = {
  readonly [K in keyof I['methods']]: (
    ...args: MethodInTuple<I['methods'][K]>
  ) => Promise<MethodResult<I['methods'][K]>>
}

export interface ProxyBase<I extends InterfaceDecl> {
  readonly $destination: string
  readonly $path: string
  readonly $interface: I
  /** Call with options (timeout, fds). Always returns value and any received fds. */
  $call<K extends keyof I['methods'] & string>(
    member: K,
    args: MethodInTuple<I['methods'][K]>,
    opts?: CallOptions
  ): Promise<{ value: MethodOut<I['methods'][K]>; fds: number[] }>
  $get<K extends keyof I['properties'] & string>(
    name: K,
    opts?: CallOptions
  ): Promise<PropertyType<I['properties'][K]>>
  $set<K extends WritableProperties<I> & string>(
    name: K,
    value: PropertyType<I['properties'][K]>,
    opts?: CallOptions
  ): Promise<void>
  /** All readable properties (unwrapped values). */
  $getAll(opts?: CallOptions): Promise<Record<string, unknown>>
  /**
   * Subscribe to a declared signal from this proxy's destination and path (pass
   * `{ anySender: true }` for unicast signals whose sender is a unique name you do not
   * know yet). Resolves when the match rule is in place; returns the unsubscribe function.
   */
  $on<K extends keyof I['signals'] & string>(
    name: K,
    handler: (...args: SignalTuple<I['signals'][K]>) => void,
    opts?: { anySender?: boolean; anyPath?: boolean }
  ): Promise<() => Promise<void>>
}

export type Proxy<I extends InterfaceDecl> = ProxyBase<I> & Methods<I>

const schemaCache = new Map<string, z.ZodType>()
function bodySchema(sig: string): z.ZodType {
  let s = schemaCache.get(sig)
  if (!s) {
    s = schemaForBody(sig)
    schemaCache.set(sig, s)
  }
  return s
}

/** Check a received body against a signature; throws ReplyValidationError. */
export function checkBody(what: string, expected: string, gotSig: string, body: unknown[]): void {
  if (gotSig !== expected) throw new ReplyValidationError(what, expected, gotSig)
  const r = bodySchema(expected).safeParse(body)
  if (!r.success) throw new ReplyValidationError(what, expected, gotSig, { cause: r.error })
}

const PROPS = 'org.freedesktop.DBus.Properties'

/** Build a typed proxy for one interface of one remote object. */
export function proxy<const I extends InterfaceDecl>(
  conn: DBusConnection,
  destination: string,
  path: string,
  decl: I,
  defaults: CallOptions = {}
): Proxy<I> {
  const call = async (member: string, args: unknown[], opts: CallOptions = {}) => {
    const m = decl.methods[member]
    if (!m) throw new TypeError(`${decl.name} has no method ${member}`)
    const o = { ...defaults, ...opts }
    const reply = await conn.call({
      destination,
      path,
      interface: decl.name,
      member,
      signature: signatureOf(m.in),
      body: args,
      ...(o.fds ? { fds: o.fds } : {}),
      ...(o.closeFdsAfterSend !== undefined ? { closeFdsAfterSend: o.closeFdsAfterSend } : {}),
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}),
      ...(o.noAutoStart !== undefined ? { noAutoStart: o.noAutoStart } : {}),
    })
    const outSig = signatureOf(m.out)
    checkBody(
      `${destination} ${path} ${decl.name}.${member} reply`,
      outSig,
      reply.signature,
      reply.body
    )
    const value = m.out.length === 0 ? undefined : m.out.length === 1 ? reply.body[0] : reply.body
    return { value, fds: reply.fds, decl: m }
  }

  const base: ProxyBase<I> = {
    $destination: destination,
    $path: path,
    $interface: decl,
    $call: (async (member: string, args: unknown[], opts?: CallOptions) => {
      const r = await call(member, args, opts)
      return { value: r.value, fds: r.fds }
    }) as ProxyBase<I>['$call'],
    $get: (async (name: string, opts?: CallOptions) => {
      const p = decl.properties[name]
      if (!p) throw new TypeError(`${decl.name} has no property ${name}`)
      const reply = await conn.call({
        destination,
        path,
        interface: PROPS,
        member: 'Get',
        signature: 'ss',
        body: [decl.name, name],
        ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      })
      const what = `${destination} ${path} ${decl.name}.${name}`
      checkBody(what, 'v', reply.signature, reply.body)
      const v = reply.body[0] as VariantT
      const expected = p.valueType ?? p.type
      // upstream sends the value type; accept the declared type too (spec §12 row 12)
      if (v.signature !== expected && v.signature !== p.type) {
        throw new ReplyValidationError(what, expected, v.signature)
      }
      const r = schemaForType(v.signature).safeParse(v.value)
      if (!r.success)
        throw new ReplyValidationError(what, expected, v.signature, { cause: r.error })
      return v.value
    }) as ProxyBase<I>['$get'],
    $set: async (name: string, value: unknown, opts?: CallOptions) => {
      const p = decl.properties[name]
      if (!p) throw new TypeError(`${decl.name} has no property ${name}`)
      await conn.call({
        destination,
        path,
        interface: PROPS,
        member: 'Set',
        signature: 'ssv',
        body: [decl.name, name, new Variant(p.type, value)],
        ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      })
    },
    $getAll: async (opts?: CallOptions) => {
      const reply = await conn.call({
        destination,
        path,
        interface: PROPS,
        member: 'GetAll',
        signature: 's',
        body: [decl.name],
        ...(opts?.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
      })
      checkBody(`${destination} ${path} GetAll(${decl.name})`, 'a{sv}', reply.signature, reply.body)
      const all = reply.body[0] as Record<string, VariantT>
      return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.value]))
    },
    $on: (async (
      name: string,
      handler: (...args: unknown[]) => void,
      opts?: { anySender?: boolean; anyPath?: boolean }
    ) => {
      const s = decl.signals[name]
      if (!s) throw new TypeError(`${decl.name} has no signal ${name}`)
      const sig = signatureOf(s.args)
      return conn.signals.subscribe(
        {
          ...(opts?.anySender ? {} : { sender: destination }),
          ...(opts?.anyPath ? {} : { path }),
          interface: decl.name,
          member: name,
        },
        (msg) => {
          // drop malformed signals rather than hand garbage to typed handlers
          if (msg.signature !== sig || !bodySchema(sig).safeParse(msg.body).success) return
          handler(...msg.body)
        }
      )
    }) as ProxyBase<I>['$on'],
  }

  const methods: Record<string, (...args: unknown[]) => Promise<unknown>> = {}
  for (const [member, m] of Object.entries(decl.methods)) {
    methods[member] = async (...args: unknown[]) => {
      const r = await call(member, args)
      if (m.fds?.out) return { value: r.value, fds: r.fds }
      // fds neither declared nor referenced as `h` in the body: do not leak them
      if (!signatureOf(m.out).includes('h')) closeQuietly(r.fds)
      return r.value
    }
  }
  return Object.assign(methods, base) as unknown as Proxy<I>
}
