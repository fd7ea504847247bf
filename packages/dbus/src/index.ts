/**
 * @module @openvpn3-ts/dbus
 * The D-Bus contract of openvpn3-ts: every bus name, path, interface (declared once, as
 * data), enum and error name; typed client proxies; the service kit (export objects from
 * the declarations, caller identity, ACL helpers, name watchers, idle exit, command-line
 * options, the service account, start-up and exit, the
 * dbus-next fixes from libraries.md). See README.md for a complete example.
 */
export * from './api/index.js'
export * from './bus.js'
export * from './declare.js'
export * from './enums.js'
export * from './errors.js'
export { attachFds, canPassFds, closeQuietly, FdPassingUnavailableError } from './fdpass.js'
export { interfaceXml, objectXml } from './introspect.js'
export * from './names.js'
export * from './proxy.js'
export { Variant } from './dbusnext.js'
export type { Message, Variant as VariantValue } from './dbusnext.js'
export * from './signals.js'
export * from './signature.js'
export * from './service/acl.js'
export * from './service/caller.js'
export * from './service/entry.js'
export * from './service/host.js'
export * from './service/idle.js'
export * from './service/name.js'
export * from './service/options.js'
export * from './service/user.js'
export * from './service/watch.js'
export * from './overrides.js'
export * from './logging/index.js'
