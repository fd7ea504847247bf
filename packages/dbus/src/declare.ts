/**
 * The shape of a D-Bus API declaration (style rule 1: declare each interface once, as
 * data) and the TypeScript types derived from it. Declarations live in `api/*.ts` as
 * plain `as const` objects; proxies, the service kit, introspection XML, policy files,
 * activation files and docs are all generated from them.
 */
import type { z } from 'zod'
import type { SigType } from './signature.js'

/** One argument: `[name, signature]`. Names are not on the wire but are introspected. */
export type ArgDecl = readonly [name: string, type: string]

export interface MethodDecl {
  readonly in: readonly ArgDecl[]
  readonly out: readonly ArgDecl[]
  readonly doc: string
  /**
   * Unix fds passed in the message's fd side channel with no `h` in the signature
   * (spec §1.6): `in` = the call carries fds, `out` = the reply carries fds.
   */
  readonly fds?: { readonly in?: number; readonly out?: number }
  /** Error texts this method is documented to return, as `[domain, text]`. */
  readonly errors?: readonly (readonly [domain: string, text: string])[]
  /**
   * Validation the service kit runs on the named in-arguments (after `authorize`, before the
   * handler). On failure the caller gets a method error in `domain` whose text is the
   * issues' messages joined by `; ` — give the schema upstream's exact texts.
   */
  readonly check?: { readonly domain: string; readonly schema: z.ZodType }
}

export interface SignalDecl {
  readonly args: readonly ArgDecl[]
  readonly doc: string
  /** How upstream delivers it (spec §1.5). */
  readonly delivery: 'broadcast' | 'unicast'
}

export type PropertyAccess = 'read' | 'readwrite'

export interface PropertyDecl {
  /** declared (introspected) type */
  readonly type: string
  readonly access: PropertyAccess
  readonly doc: string
  /**
   * Type actually sent in Get/GetAll replies when upstream declares one type and sends
   * another (spec §12 rows 12, 24, 28). Absent = same as `type`.
   */
  readonly valueType?: string
  /**
   * Validation of values written with Set (after the type check and `authorize`); on failure
   * the caller gets `org.freedesktop.DBus.Error.Failed` with the issues' messages.
   */
  readonly check?: z.ZodType
}

export interface InterfaceDecl {
  readonly name: string
  readonly methods: { readonly [member: string]: MethodDecl }
  readonly signals: { readonly [member: string]: SignalDecl }
  readonly properties: { readonly [member: string]: PropertyDecl }
}

/** One kind of object a service exports. */
export interface ObjectDecl {
  /** Short id used in docs and compat tables, e.g. `manager`, `session`. */
  readonly id: string
  /** Path or pattern, e.g. `/net/openvpn/v3/sessions/<uuid, '-'→'s'>`. */
  readonly path: string
  readonly doc: string
  readonly interface: InterfaceDecl
}

/**
 * Which callers the generated bus policy lets through (spec §9.1). Contexts:
 * `default` = everyone; `service` = the service users (the `openvpn` user as upstream, and
 * root, so services also work when run as root in tests and containers); `root` = root.
 * The service users always may own the bus name (a prefix when `ownPrefix`).
 */
export interface PolicyDecl {
  readonly ownPrefix?: boolean
  readonly send: readonly PolicySendRule[]
  /** extra raw rules, e.g. the log service's mandatory receive rule */
  readonly extra?: readonly PolicyExtraRule[]
}

export type PolicyContext = 'default' | 'service' | 'root'

export interface PolicySendRule {
  readonly context: PolicyContext
  /** restrict to one object path */
  readonly path?: string
  /** members of the service interface */
  readonly members?: readonly string[]
  /** `org.freedesktop.DBus.Properties` members allowed */
  readonly properties?: readonly ('Get' | 'GetAll' | 'Set')[]
  readonly introspect?: boolean
  readonly ping?: boolean
  /** omit send_destination (the backend client's `be<PID>` names have no fixed name) */
  readonly anyDestination?: boolean
}

export interface PolicyExtraRule {
  readonly context: PolicyContext | 'mandatory'
  readonly rule: 'allow' | 'deny'
  readonly attrs: { readonly [attr: string]: string }
}

export interface ServiceDecl {
  /** file stem of generated files, e.g. `net.openvpn.v3.configuration` */
  readonly id: string
  /** well-known bus name, or the pattern for per-process names */
  readonly busName: string
  readonly doc: string
  /** our executable's package-relative entry (used by activation files) */
  readonly program?: string
  /** activation: user the bus daemon runs it as; absent = not bus-activated */
  readonly activation?: { readonly user: string; readonly args: readonly string[] }
  readonly objects: readonly ObjectDecl[]
  readonly policy: PolicyDecl
}

// ---------------------------------------------------------------------------------------
// Derived types

type Types<A extends readonly ArgDecl[]> = { -readonly [K in keyof A]: SigType<A[K][1]> }

/** Positional in-arguments of a method, as a tuple of TS types. */
export type MethodInTuple<M extends MethodDecl> = Types<M['in']>

/** In-arguments of a method as a named object `{ argName: value }`. */
export type MethodInArgs<M extends MethodDecl> = {
  -readonly [A in M['in'][number] as A[0]]: SigType<A[1]>
}

/** Return value of a method: void, the single out value, or a tuple of out values. */
export type MethodOut<M extends MethodDecl> = M['out'] extends readonly []
  ? void
  : M['out'] extends readonly [infer Only extends ArgDecl]
    ? SigType<Only[1]>
    : Types<M['out']>

/** Signal payload as a positional tuple. */
export type SignalTuple<S extends SignalDecl> = Types<S['args']>

/** TypeScript type of a property's value (its `valueType` when set). */
export type PropertyType<P extends PropertyDecl> = P extends {
  readonly valueType: infer V extends string
}
  ? SigType<V>
  : SigType<P['type']>

/** Names of read/write properties of an interface. */
export type WritableProperties<I extends InterfaceDecl> = {
  [K in keyof I['properties']]: I['properties'][K]['access'] extends 'readwrite' ? K : never
}[keyof I['properties']]

/** Signature string of a list of arguments. */
export function signatureOf(args: readonly ArgDecl[]): string {
  return args.map((a) => a[1]).join('')
}

/** Identity helper that checks a declaration against the shape while keeping literals. */
export function declareInterface<const I extends InterfaceDecl>(decl: I): I {
  return decl
}
