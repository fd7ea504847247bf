/**
 * @module @openvpn3-ts/sessionmgr
 * net.openvpn.v3.sessions service (spec dbus-api.md §4): the manager object, session
 * objects relaying to their backend clients, and the record used to re-attach after a restart.
 */
export { SessionManager, REGISTRATION_TIMEOUT_MS, type ManagerOptions } from './manager.js'
export { Session, type SessionRecord, type BackendRef } from './session.js'
export { SessionStore } from './state.js'
export { parseOptions, USAGE, UsageError, type ServiceOptions } from './options.js'
