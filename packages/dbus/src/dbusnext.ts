/**
 * The one place that touches dbus-next 0.10.2 directly: re-exports the runtime pieces we
 * use with honest types (the shipped types.d.ts gets MessageType numbers wrong), and
 * gives access to the internals the local fixes patch (libraries.md §1.2, §1.4).
 */
import { createRequire } from 'node:module'
import type { EventEmitter } from 'node:events'

const require = createRequire(import.meta.url)

/** A D-Bus variant as dbus-next represents it. */
export interface Variant<T = unknown> {
  signature: string
  value: T
}

/** Header fields + body of a message as dbus-next parses/builds it. */
export interface MessageLike {
  type?: number
  serial?: number | null
  path?: string
  interface?: string
  member?: string
  errorName?: string
  replySerial?: number
  destination?: string
  sender?: string
  signature?: string
  body?: unknown[]
  flags?: number
  unixFd?: number
}

export interface Message extends MessageLike {
  type: number
  serial: number | null
  signature: string
  body: unknown[]
  flags: number
  /** Set by our fd patch: unix fds that arrived with this message outside the body. */
  unixFds?: number[]
}

export interface MessageCtor {
  new (msg: MessageLike): Message
  newError(msg: Message, errorName: string, errorText?: string): Message
  newMethodReturn(msg: Message, signature?: string, body?: unknown[]): Message
  newSignal(
    path: string,
    iface: string,
    name: string,
    signature?: string,
    body?: unknown[]
  ): Message
}

export interface VariantCtor {
  new <T>(signature: string, value: T): Variant<T>
}

export interface DBusErrorLike extends Error {
  type: string
  text: string
  reply?: Message | null
}

export interface DBusErrorCtor {
  new (type: string, text: string, reply?: Message | null): DBusErrorLike
}

/** The raw connection object of dbus-next (lib/connection.js). */
export interface RawConnection extends EventEmitter {
  stream: {
    writable: boolean
    supportsUnixFd?: boolean
    write(chunk: unknown, cb?: (err?: Error | null) => void): boolean
    read(size?: number, fdSize?: number | null): unknown
    end(): void
  }
  message(msg: MessageLike): void
  state?: string
}

export interface MessageBus extends EventEmitter {
  name: string | null
  _connection: RawConnection
  _methodReturnHandlers: Record<number, (reply: Message) => void>
  _matchRules: Record<string, number>
  _serviceObjects: Record<string, unknown>
  call(msg: Message): Promise<Message | null>
  send(msg: Message): void
  newSerial(): number
  addMethodHandler(fn: (msg: Message) => boolean): void
  removeMethodHandler(fn: (msg: Message) => boolean): void
  export(path: string, iface: DbusInterface): void
  unexport(path: string, iface?: DbusInterface): void
  disconnect(): void
  _addMatch(match: string): Promise<unknown>
  _removeMatch(match: string): Promise<unknown>
}

export interface DbusInterface extends EventEmitter {
  $name: string
}

export interface InterfaceCtor {
  new (name: string): DbusInterface
  configureMembers(members: {
    properties?: Record<string, { signature: string; access: string; name?: string }>
    methods?: Record<string, { inSignature: string; outSignature: string; name?: string }>
    signals?: Record<string, { signature: string; name?: string }>
  }): void
}

interface DbusNextModule {
  systemBus(opts?: { negotiateUnixFd?: boolean }): MessageBus
  sessionBus(opts?: { busAddress?: string; negotiateUnixFd?: boolean }): MessageBus
  Message: MessageCtor
  Variant: VariantCtor
  DBusError: DBusErrorCtor
  interface: { Interface: InterfaceCtor }
  MessageType: { METHOD_CALL: number; METHOD_RETURN: number; ERROR: number; SIGNAL: number }
  MessageFlag: { NO_REPLY_EXPECTED: number; NO_AUTO_START: number }
}

const dbusNext = require('dbus-next') as DbusNextModule

export const Message = dbusNext.Message
export const Variant = dbusNext.Variant
export const DBusError = dbusNext.DBusError
export const Interface = dbusNext.interface.Interface
export const MessageType = dbusNext.MessageType
export const MessageFlag = dbusNext.MessageFlag

/** Create a client connection on a bus address (unix:path=…). */
export function createBus(busAddress: string, negotiateUnixFd: boolean): MessageBus {
  return dbusNext.sessionBus({ busAddress, negotiateUnixFd })
}

/** lib/message.js of dbus-next: the raw (de)marshaller used by the fd patch. */
export interface RawMessageModule {
  marshall(msg: MessageLike): [Buffer, number[]]
}
export const rawMessageModule = require('dbus-next/lib/message.js') as RawMessageModule

/** lib/marshall-compat.js: converts a plain-JS body to the marshaller's format. */
export interface MarshallCompatModule {
  marshallMessage(msg: MessageLike): [Buffer, number[]]
}
export const marshallCompat = require('dbus-next/lib/marshall-compat.js') as MarshallCompatModule

/** lib/bus.js: the MessageBus class whose prototype the match-rule fix patches. */
export const MessageBusClass = require('dbus-next/lib/bus.js') as {
  prototype: MessageBus
}
