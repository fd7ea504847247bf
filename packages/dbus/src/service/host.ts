/**
 * The service kit: export objects from declarations on a bus connection.
 *
 * - Each declared interface becomes a dbus-next `Interface` subclass configured with
 *   `configureMembers` (no decorators). Read-only properties are getter-only accessors,
 *   so nothing can assign them (libraries.md §1.2 read-only bug).
 * - A method handler registered with `bus.addMethodHandler` runs first for every call:
 *   it captures the message (caller's unique name, serial, received fds — libraries.md
 *   §1.2(c)), answers Introspect with XML generated from the declarations, handles
 *   `org.freedesktop.DBus.Properties` itself (async authorisation, upstream error names,
 *   PropertiesChanged after Set), and returns glib's errors for unknown objects,
 *   interfaces, methods and signatures (spec §1.4). Declared methods are then dispatched
 *   by dbus-next to our Interface, whose functions call the implementation.
 * - Handler errors become D-Bus errors (spec §1.4); a bad call never crashes the service.
 */
import { DBusError, Interface, Message, MessageFlag, MessageType, Variant } from '../dbusnext.js'
import type { DbusInterface, Message as RawMessage, Variant as VariantT } from '../dbusnext.js'
import type { DBusConnection } from '../bus.js'
import type {
  InterfaceDecl,
  MethodDecl,
  MethodInArgs,
  MethodOut,
  PropertyDecl,
  PropertyType,
  SignalTuple,
} from '../declare.js'
import { signatureOf } from '../declare.js'
import { ErrorDomain, PlainDBusError, ServiceError, StdError, toWireError } from '../errors.js'
import { attachReplyFds, closeQuietly } from '../fdpass.js'
import { objectXml } from '../introspect.js'
import { isObjectPath } from '../names.js'
import { schemaForType } from '../signature.js'
import { AccessDeniedError } from './acl.js'
import { CallerCache } from './caller.js'
import type { CallerInfo } from './caller.js'

/** What a handler knows about the call it serves. */
export interface CallContext {
  /** unique bus name of the caller */
  readonly sender: string
  readonly path: string
  readonly interface: string
  readonly member: string
  /** UID and PID of the caller via the bus daemon (cached per unique name) */
  caller(): Promise<CallerInfo>
  /** fds that came with the call outside the body (spec §1.6); closed after the handler unless kept */
  readonly fds: readonly number[]
  /** keep `fds` open after the handler returns (the handler took ownership) */
  keepFds(): void
  /** attach fds to the reply outside its body; closed here once sent when `close` (default true) */
  replyFds(fds: number[], opts?: { close?: boolean }): void
}

/** What an `authorize` hook is asked about. */
export type AccessRequest =
  | { kind: 'method'; member: string }
  | { kind: 'get'; property: string }
  | { kind: 'set'; property: string; value: unknown }

export type MethodImpl<M extends MethodDecl> = (
  args: MethodInArgs<M>,
  ctx: CallContext
) => MethodOut<M> | Promise<MethodOut<M>>

export type PropertyImpl<P extends PropertyDecl> = P['access'] extends 'readwrite'
  ? {
      get(): PropertyType<P>
      set(value: PropertyType<P>, ctx: CallContext): void | Promise<void>
    }
  : { get(): PropertyType<P> }

/** Implementation of one declared interface on one object. */
export interface ObjectImpl<I extends InterfaceDecl> {
  methods: { [K in keyof I['methods']]: MethodImpl<I['methods'][K]> }
  properties: { [K in keyof I['properties']]: PropertyImpl<I['properties'][K]> }
  /**
   * Called before every method call, property Get (GetAll: per property; denied ones are
   * left out) and Set. Throw AccessDeniedError (or any error) to refuse.
   */
  authorize?: (req: AccessRequest, ctx: CallContext) => void | Promise<void>
}

export interface EmitOptions {
  /** unique or well-known name(s); absent = broadcast. Several = one unicast copy each. */
  destination?: string | readonly string[]
}

/** Handle of an exported object. */
export interface ExportedObject<I extends InterfaceDecl> {
  readonly path: string
  readonly decl: I
  emit<K extends keyof I['signals'] & string>(
    signal: K,
    args: SignalTuple<I['signals'][K]>,
    opts?: EmitOptions
  ): void
  /** Broadcast PropertiesChanged with the current values of `names`. */
  propertiesChanged(names: readonly (keyof I['properties'] & string)[]): void
  unexport(): void
}

export interface ServiceHostOptions {
  /** Told about unexpected (non-ServiceError) handler failures, e.g. to log them. */
  onHandlerError?: (err: unknown, where: string) => void
}

const PROPS = 'org.freedesktop.DBus.Properties'
const INTROSPECTABLE = 'org.freedesktop.DBus.Introspectable'
const PEER = 'org.freedesktop.DBus.Peer'

const IMPL = Symbol('openvpn3-ts.impl')
type Invoker = (member: string, args: unknown[]) => Promise<unknown>
type Exported = DbusInterface & { [IMPL]: { invoke: Invoker; get(p: string): unknown } }
type ExportedCtor = new (name: string) => Exported

const classCache = new WeakMap<InterfaceDecl, ExportedCtor>()

/** dbus-next Interface subclass for a declaration, built with configureMembers. */
export function interfaceClass(decl: InterfaceDecl): ExportedCtor {
  const cached = classCache.get(decl)
  if (cached) return cached
  class DeclaredInterface extends Interface {
    declare [IMPL]: Exported[typeof IMPL]
  }
  const proto = DeclaredInterface.prototype as unknown as Record<string, unknown>
  for (const member of Object.keys(decl.methods)) {
    proto[member] = function (this: Exported, ...args: unknown[]) {
      return this[IMPL].invoke(member, args)
    }
  }
  for (const [name, p] of Object.entries(decl.properties)) {
    // getter-only for read properties: assignment throws (strict mode) and changes nothing
    Object.defineProperty(proto, name, {
      configurable: false,
      enumerable: true,
      get(this: Exported) {
        return this[IMPL].get(name)
      },
      ...(p.access === 'readwrite'
        ? {
            set() {
              throw new DBusError(StdError.Failed, 'use org.freedesktop.DBus.Properties.Set')
            },
          }
        : {}),
    })
  }
  const Ctor = DeclaredInterface as unknown as typeof Interface
  Ctor.configureMembers({
    methods: Object.fromEntries(
      Object.entries(decl.methods).map(([k, m]) => [
        k,
        { inSignature: signatureOf(m.in), outSignature: signatureOf(m.out) },
      ])
    ),
    properties: Object.fromEntries(
      Object.entries(decl.properties).map(([k, p]) => [
        k,
        { signature: p.valueType ?? p.type, access: p.access },
      ])
    ),
    signals: Object.fromEntries(
      Object.entries(decl.signals).map(([k, s]) => [k, { signature: signatureOf(s.args) }])
    ),
  })
  const result = DeclaredInterface as unknown as ExportedCtor
  classCache.set(decl, result)
  return result
}

interface Entry {
  decl: InterfaceDecl
  impl: ObjectImpl<InterfaceDecl>
  iface: Exported
}

const quoteSig = (s: string) => `“(${s})”`

/** The messages of a zod error, joined: declarations carry upstream's exact texts. */
function issuesText(err: { issues: readonly { message: string }[] }): string {
  return err.issues.map((i) => i.message).join('; ')
}

/** Exports declared objects on one connection. One per connection. */
export class ServiceHost {
  readonly callers: CallerCache
  /** path → interface name → entry */
  readonly #objects = new Map<string, Map<string, Entry>>()
  #current: RawMessage | undefined
  #lastActivity = Date.now()
  #closed = false
  readonly #handler = (msg: RawMessage) => this.#onMethodCall(msg)

  constructor(
    readonly conn: DBusConnection,
    private readonly opts: ServiceHostOptions = {}
  ) {
    this.callers = new CallerCache(conn)
    conn.raw.addMethodHandler(this.#handler)
  }

  /** Time of the last method call to one of our objects (for idle exit). */
  get lastActivity(): number {
    return this.#lastActivity
  }

  /** Paths currently exported. */
  get paths(): string[] {
    return [...this.#objects.keys()]
  }

  /** Export `decl` at `path`, implemented by `impl`. */
  export<const I extends InterfaceDecl>(
    path: string,
    decl: I,
    impl: NoInfer<ObjectImpl<I>>
  ): ExportedObject<I> {
    if (this.#closed) throw new Error('ServiceHost is closed')
    if (!isObjectPath(path)) throw new TypeError(`invalid object path '${path}'`)
    let ifaces = this.#objects.get(path)
    if (!ifaces) {
      ifaces = new Map()
      this.#objects.set(path, ifaces)
    }
    if (ifaces.has(decl.name)) throw new Error(`${decl.name} already exported at ${path}`)
    const Ctor = interfaceClass(decl)
    const iface = new Ctor(decl.name)
    const anyImpl = impl as unknown as ObjectImpl<InterfaceDecl>
    const entry: Entry = { decl, impl: anyImpl, iface }
    iface[IMPL] = {
      invoke: (member, args) => this.#invoke(path, entry, member, args),
      get: (p) => (anyImpl.properties[p] as { get(): unknown }).get(),
    }
    ifaces.set(decl.name, entry)
    this.conn.raw.export(path, iface)
    return {
      path,
      decl,
      emit: (signal, args, opts) => this.emitSignal(path, decl, signal, args, opts),
      propertiesChanged: (names) => this.#propertiesChanged(path, entry, names),
      unexport: () => this.#unexport(path, decl.name),
    }
  }

  #unexport(path: string, ifaceName: string): void {
    const ifaces = this.#objects.get(path)
    const entry = ifaces?.get(ifaceName)
    if (!ifaces || !entry) return
    ifaces.delete(ifaceName)
    if (ifaces.size === 0) this.#objects.delete(path)
    try {
      this.conn.raw.unexport(path, entry.iface)
    } catch {
      // already gone
    }
  }

  /**
   * Emit a declared signal from any path (e.g. a configuration object's `Log`, declared on
   * the manager interface). Broadcast unless `destination` is given.
   */
  emitSignal<const I extends InterfaceDecl, K extends keyof I['signals'] & string>(
    path: string,
    decl: I,
    signal: K,
    args: SignalTuple<I['signals'][K]>,
    opts: EmitOptions = {}
  ): void {
    const s = decl.signals[signal]
    if (!s) throw new TypeError(`${decl.name} has no signal ${signal}`)
    const sig = signatureOf(s.args)
    const dests =
      opts.destination === undefined
        ? [undefined]
        : typeof opts.destination === 'string'
          ? [opts.destination]
          : [...opts.destination]
    for (const destination of dests) {
      const msg = Message.newSignal(path, decl.name, signal, sig, args)
      if (destination !== undefined) msg.destination = destination
      this.conn.send(msg)
    }
  }

  #propertiesChanged(path: string, entry: Entry, names: readonly string[]): void {
    const changed: Record<string, VariantT> = {}
    for (const n of names) {
      const p = entry.decl.properties[n]
      const impl = entry.impl.properties[n] as { get(): unknown } | undefined
      if (!p || !impl) throw new TypeError(`${entry.decl.name} has no property ${n}`)
      changed[n] = new Variant(p.valueType ?? p.type, impl.get())
    }
    this.conn.send(
      Message.newSignal(path, PROPS, 'PropertiesChanged', 'sa{sv}as', [
        entry.decl.name,
        changed,
        [],
      ])
    )
  }

  /** Stop serving: unexport everything and detach from the connection. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    for (const [path, ifaces] of [...this.#objects]) {
      for (const name of [...ifaces.keys()]) this.#unexport(path, name)
    }
    this.conn.raw.removeMethodHandler(this.#handler)
  }

  // ------------------------------------------------------------------------------------
  // dispatch

  #reply(msg: RawMessage, build: () => RawMessage): void {
    if (msg.flags & MessageFlag.NO_REPLY_EXPECTED) return
    try {
      this.conn.send(build())
    } catch (err) {
      this.opts.onHandlerError?.(err, `reply to ${msg.interface}.${msg.member}`)
    }
  }

  #replyError(msg: RawMessage, name: string, text: string): void {
    this.#reply(msg, () => Message.newError(msg, name, text))
  }

  #childrenOf(path: string): string[] {
    const prefix = path === '/' ? '/' : path + '/'
    const out = new Set<string>()
    for (const p of this.#objects.keys()) {
      if (p !== path && p.startsWith(prefix)) {
        const rest = p.slice(prefix.length)
        const first = rest.split('/')[0]
        if (first) out.add(first)
      }
    }
    return [...out].sort()
  }

  #makeContext(
    msg: RawMessage,
    iface: string,
    fds: number[]
  ): CallContext & {
    kept: boolean
    cancelReplyFds?: () => void
  } {
    const conn = this.conn
    const callers = this.callers
    const ctx: CallContext & { kept: boolean; cancelReplyFds?: () => void } = {
      sender: msg.sender ?? '',
      path: msg.path ?? '',
      interface: iface,
      member: msg.member ?? '',
      fds,
      kept: false,
      caller: () => callers.lookup(msg.sender ?? ''),
      keepFds() {
        ctx.kept = true
      },
      replyFds(out, o) {
        ctx.cancelReplyFds?.()
        ctx.cancelReplyFds = attachReplyFds(conn.raw, msg, {
          fds: out,
          closeAfterSend: o?.close ?? true,
        })
      },
    }
    return ctx
  }

  /** Runs first for every incoming method call (synchronously). */
  #onMethodCall(msg: RawMessage): boolean {
    if (msg.type !== MessageType.METHOD_CALL) return false
    this.#current = msg
    const path = msg.path ?? '/'
    const ifaceName = msg.interface
    const ifaces = this.#objects.get(path)

    if (ifaceName === INTROSPECTABLE && msg.member === 'Introspect') {
      const decls = ifaces ? [...ifaces.values()].map((e) => e.decl) : []
      const xml = objectXml(decls, this.#childrenOf(path))
      this.#reply(msg, () => Message.newMethodReturn(msg, 's', [xml]))
      return true
    }
    if (ifaceName === PEER) return false // dbus-next answers Ping/GetMachineId on any path

    if (!ifaces) {
      // an object exported directly through dbus-next by someone else: leave it alone
      if (this.conn.raw._serviceObjects[path]) return false
      this.#replyError(msg, StdError.UnknownObject, `Object does not exist at path “${path}”`)
      return true
    }
    this.#lastActivity = Date.now()

    if (ifaceName === PROPS) {
      void this.#properties(msg, path, ifaces)
      return true
    }

    let entry = ifaceName ? ifaces.get(ifaceName) : undefined
    if (!ifaceName) {
      entry = [...ifaces.values()].find((e) => msg.member && e.decl.methods[msg.member])
      if (entry) msg.interface = entry.decl.name
    }
    if (!entry) {
      this.#replyError(
        msg,
        StdError.UnknownMethod,
        ifaceName
          ? `No such interface “${ifaceName}” on object at path ${path}`
          : `No such method “${msg.member}”`
      )
      return true
    }
    const m = msg.member ? entry.decl.methods[msg.member] : undefined
    if (!m) {
      this.#replyError(msg, StdError.UnknownMethod, `No such method “${msg.member}”`)
      return true
    }
    const expected = signatureOf(m.in)
    if ((msg.signature ?? '') !== expected) {
      this.#replyError(
        msg,
        StdError.InvalidArgs,
        `Type of message, ${quoteSig(msg.signature ?? '')}, does not match expected type ${quoteSig(expected)}`
      )
      return true
    }
    return false // dbus-next dispatches to DeclaredInterface → #invoke
  }

  /** Called by dbus-next (synchronously after #onMethodCall) for a declared method. */
  #invoke(path: string, entry: Entry, member: string, args: unknown[]): Promise<unknown> {
    const msg = this.#current
    if (!msg || msg.path !== path || msg.member !== member) {
      return Promise.reject(new DBusError(StdError.Failed, 'internal dispatch error'))
    }
    this.#current = undefined
    const fds = msg.unixFds ?? []
    const ctx = this.#makeContext(msg, entry.decl.name, fds)
    const m = entry.decl.methods[member] as MethodDecl
    const impl = entry.impl.methods[member]
    const named = Object.fromEntries(m.in.map(([n], i) => [n, args[i]]))
    const run = async () => {
      try {
        if (!impl)
          throw new ServiceError(ErrorDomain.GDBUSPP, `Method ${member} is not implemented`)
        if (entry.impl.authorize) {
          try {
            await entry.impl.authorize({ kind: 'method', member }, ctx)
          } catch (err) {
            if (err instanceof AccessDeniedError) {
              throw new ServiceError(ErrorDomain.GDBUSPP, err.text, { cause: err })
            }
            throw err
          }
        }
        if (m.check) {
          const r = m.check.schema.safeParse(named)
          if (!r.success) throw new ServiceError(m.check.domain, issuesText(r.error))
        }
        return await impl(named, ctx)
      } catch (err) {
        ctx.cancelReplyFds?.()
        if (!(err instanceof ServiceError || err instanceof PlainDBusError)) {
          this.opts.onHandlerError?.(err, `${entry.decl.name}.${member} at ${path}`)
        }
        const wire = toWireError(err)
        throw new DBusError(wire.name, wire.message)
      } finally {
        if (!ctx.kept && fds.length > 0) closeQuietly(fds)
      }
    }
    return run()
  }

  async #properties(msg: RawMessage, path: string, ifaces: Map<string, Entry>): Promise<void> {
    const fds = msg.unixFds ?? []
    if (fds.length > 0) closeQuietly(fds)
    const member = msg.member
    const body = msg.body
    const iname = typeof body[0] === 'string' ? body[0] : ''
    const entry = ifaces.get(iname)
    const ctx = this.#makeContext(msg, iname, [])
    const deny = (err: unknown): PlainDBusError => {
      if (err instanceof PlainDBusError) return err
      if (err instanceof AccessDeniedError)
        return new PlainDBusError(StdError.AccessDenied, err.text)
      if (!(err instanceof ServiceError))
        this.opts.onHandlerError?.(err, `${iname} property at ${path}`)
      const text =
        err instanceof ServiceError ? err.text : err instanceof Error ? err.message : String(err)
      return new PlainDBusError(StdError.Failed, text)
    }
    const fail = (e: PlainDBusError) => this.#replyError(msg, e.errorName, e.text)
    try {
      if (member === 'GetAll' && msg.signature === 's') {
        if (!entry)
          return fail(new PlainDBusError(StdError.InvalidArgs, `No such interface “${iname}”`))
        const out: Record<string, VariantT> = {}
        for (const [name, p] of Object.entries(entry.decl.properties)) {
          try {
            await entry.impl.authorize?.({ kind: 'get', property: name }, ctx)
            const v = (entry.impl.properties[name] as { get(): unknown }).get()
            out[name] = new Variant(p.valueType ?? p.type, v)
          } catch (err) {
            if (!(err instanceof AccessDeniedError))
              this.opts.onHandlerError?.(err, `GetAll ${name}`)
          }
        }
        this.#reply(msg, () => Message.newMethodReturn(msg, 'a{sv}', [out]))
        return
      }
      if (
        (member === 'Get' && msg.signature === 'ss') ||
        (member === 'Set' && msg.signature === 'ssv')
      ) {
        const pname = typeof body[1] === 'string' ? body[1] : ''
        if (!entry)
          return fail(new PlainDBusError(StdError.InvalidArgs, `No such interface “${iname}”`))
        const p = entry.decl.properties[pname]
        if (!p) return fail(new PlainDBusError(StdError.InvalidArgs, `No such property “${pname}”`))
        if (member === 'Get') {
          let value: unknown
          try {
            await entry.impl.authorize?.({ kind: 'get', property: pname }, ctx)
            value = (entry.impl.properties[pname] as { get(): unknown }).get()
          } catch (err) {
            return fail(deny(err))
          }
          this.#reply(msg, () =>
            Message.newMethodReturn(msg, 'v', [new Variant(p.valueType ?? p.type, value)])
          )
          return
        }
        // Set
        if (p.access !== 'readwrite') {
          return fail(
            new PlainDBusError(StdError.InvalidArgs, `Property “${pname}” is not writable`)
          )
        }
        const v = body[2] as VariantT
        if (v.signature !== p.type || !schemaForType(p.type).safeParse(v.value).success) {
          return fail(
            new PlainDBusError(
              StdError.InvalidArgs,
              `Error setting property “${pname}”: Expected type “${p.type}” but got “${v.signature}”`
            )
          )
        }
        try {
          await entry.impl.authorize?.({ kind: 'set', property: pname, value: v.value }, ctx)
          if (p.check) {
            const r = p.check.safeParse(v.value)
            if (!r.success) throw new PlainDBusError(StdError.Failed, issuesText(r.error))
          }
          const impl = entry.impl.properties[pname] as unknown as {
            set(value: unknown, ctx: CallContext): void | Promise<void>
          }
          await impl.set(v.value, ctx)
        } catch (err) {
          return fail(deny(err))
        }
        this.#reply(msg, () => Message.newMethodReturn(msg, '', []))
        if (this.#objects.get(path)?.get(iname) === entry)
          this.#propertiesChanged(path, entry, [pname])
        return
      }
      fail(new PlainDBusError(StdError.UnknownMethod, `No such method “${member}”`))
    } catch (err) {
      this.opts.onHandlerError?.(err, `Properties.${member} at ${path}`)
      fail(new PlainDBusError(StdError.Failed, err instanceof Error ? err.message : String(err)))
    }
  }
}
