/**
 * @module @openvpn3-ts/log
 * net.openvpn.v3.log (spec §8): the log service, its settings file, writers (winston:
 * journal-friendly stdout, plain stdout, log file reopened on SIGHUP) and log tags. The
 * logging layer every service uses lives in @openvpn3-ts/dbus (`ServiceLogger`).
 */
export * from './config-file.js'
export * from './constants.js'
export * from './errors.js'
export * from './logtag.js'
export * from './options.js'
export { LogProxy } from './proxy.js'
export { LogService } from './service.js'
export type { LogServiceComponents } from './service.js'
export { ReopenableFileTransport } from './writers/file-transport.js'
export { LogWriter } from './writers/writer.js'
export type { LineLayout, WriterOptions } from './writers/writer.js'
