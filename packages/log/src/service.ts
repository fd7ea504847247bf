/**
 * `net.openvpn.v3.log` (spec §8): the main object `/net/openvpn/v3/log` with Attach,
 * AssignSession, Detach, GetSubscriberList, ProxyLogEvents and its properties; the Log and
 * StatusChange signals of attached services are written through the LogWriter (filtered by
 * `log_level`, scrubbed again here whatever the sender did) and a backend's lines are
 * forwarded to the log-proxy objects of its assigned sessions (proxy.ts, spec §8.3).
 * Subscriptions of vanished bus names are purged; with `--idle-exit` the service exits when
 * nothing is attached (spec §1.7).
 *
 * Lifecycle: `start()` exports and owns the name; `done` settles on idle exit or bus loss;
 * `stop()` (idempotent) removes proxies, match rules and watches in reverse order.
 */
import {
  AccessDeniedError,
  BusName,
  ErrorDomain,
  LogCategory,
  LogGroup,
  ObjectPath,
  SERVICE_VERSION,
  ServiceError,
  ServiceHost,
  ServiceLogger,
  checkLogLevel,
  cleanLogText,
  getNameOwner,
  logCategoryPasses,
  logServiceInterface,
  newLogProxyPath,
  parseBackendBusName,
  releaseName,
  requestName,
  scrubSecrets,
  startIdleExit,
  watchNameVanish,
} from '@openvpn3-ts/dbus'
import type { CallContext, DBusConnection, LogEvent, NameWatch } from '@openvpn3-ts/dbus'
import type { Message } from '@openvpn3-ts/dbus'
import { LOG_ERROR_DOMAIN } from './constants.js'
import { saveConfig, loadConfig } from './config-file.js'
import type { LogServiceConfig } from './config-file.js'
import type { LogServiceOptions } from './options.js'
import { LogProxy } from './proxy.js'
import { Subscriptions } from './subscriptions.js'
import type { Subscription } from './subscriptions.js'
import { serviceUids } from './users.js'
import type { LogWriter } from './writers/writer.js'

export interface LogServiceComponents {
  conn: DBusConnection
  writer: LogWriter
}

const denied = (text = 'Access denied') => new ServiceError(LOG_ERROR_DOMAIN, text)

export class LogService {
  readonly host: ServiceHost
  /** the service's own lines (group LOGGER), written through the same writer */
  readonly log: ServiceLogger
  readonly #c: LogServiceComponents
  readonly #opts: LogServiceOptions
  readonly #subs = new Subscriptions()
  readonly #proxies = new Map<string, LogProxy>()
  readonly #watches = new Map<string, Promise<NameWatch | undefined>>()
  readonly #serviceUids = serviceUids()
  #level: number
  #timestamp: boolean
  #dbusDetails: boolean
  #logtagPrefix: boolean
  #stopIdle: () => void = () => undefined
  #stopped = false
  #finish!: (reason: string) => void
  readonly done: Promise<string>
  /** Log/StatusChange signals received from attached senders (statistics, tests) */
  received = 0

  constructor(opts: LogServiceOptions, c: LogServiceComponents) {
    this.#opts = opts
    this.#c = c
    this.#level = opts.logLevel
    this.#timestamp = opts.timestamp
    this.#dbusDetails = opts.dbusDetails
    this.#logtagPrefix = opts.logtagPrefix
    this.done = new Promise((r) => (this.#finish = r))
    this.log = new ServiceLogger({
      group: LogGroup.LOGGER,
      serviceName: 'openvpn3-service-log',
      interface: logServiceInterface.name,
      path: ObjectPath.log,
      level: opts.logLevel,
      sink: (ev) => this.#write(ev),
    })
    this.host = new ServiceHost(c.conn, { onHandlerError: this.log.handlerError })
  }

  get attachedCount(): number {
    return this.#subs.size
  }
  get proxyCount(): number {
    return this.#proxies.size
  }

  #write(ev: LogEvent): void {
    this.#c.writer.write(ev, { timestamp: this.#timestamp, tag: this.#logtagPrefix })
  }

  async start(): Promise<void> {
    this.host.export(ObjectPath.log, logServiceInterface, {
      methods: {
        Attach: ({ interface: iface }, ctx) => this.#attach(iface, ctx),
        AssignSession: ({ session_path, interface: iface }, ctx) =>
          this.#assignSession(session_path, iface, ctx),
        Detach: ({ interface: iface }, ctx) => this.#detach(iface, ctx),
        GetSubscriberList: () =>
          this.#subs
            .all()
            .map((s): [string, string, string, string] => [s.tag.hash, s.sender, s.iface, '']),
        ProxyLogEvents: ({ target_address, session_path }, ctx) =>
          this.#proxyLogEvents(target_address, session_path, ctx),
      },
      properties: {
        config_file: { get: () => this.#opts.configFile ?? '' },
        log_dbus_details: {
          get: () => this.#dbusDetails,
          set: (v) => {
            this.#dbusDetails = v
            this.#save({ log_dbus_details: v })
          },
        },
        log_level: {
          get: () => this.#level,
          set: (v) => {
            try {
              checkLogLevel(v)
            } catch (err) {
              throw new ServiceError(ErrorDomain.GDBUSPP, 'Invalid log level', { cause: err })
            }
            this.#level = v
            this.log.level = v
            this.#save({ log_level: v })
          },
        },
        log_method: { get: () => this.#c.writer.method },
        log_prefix_logtag: {
          get: () => this.#logtagPrefix,
          set: (v) => {
            this.#logtagPrefix = v
            this.#save({ no_logtag_prefix: !v })
          },
        },
        num_attached: { get: () => this.#subs.size },
        timestamp: {
          get: () => this.#timestamp,
          set: (v) => {
            this.#timestamp = v
            this.#save({ timestamp: v })
          },
        },
        version: { get: () => SERVICE_VERSION },
      },
      authorize: async (req, ctx) => {
        if (req.kind === 'method' && req.member === 'GetSubscriberList') {
          const { uid } = await ctx.caller()
          if (uid !== 0) throw new AccessDeniedError('Access denied')
        }
        if (req.kind === 'set') {
          const { uid } = await ctx.caller()
          if (!this.#serviceUids.has(uid)) throw new AccessDeniedError('Access denied')
        }
      },
    })
    await requestName(this.#c.conn, BusName.log)
    this.log.info(`Log service ready (pid ${process.pid}, method ${this.#c.writer.method})`)
    this.#stopIdle = startIdleExit(this.host, {
      idleMs: this.#opts.idleExitMin * 60_000,
      isBusy: () => this.#subs.size > 0 || this.#proxies.size > 0,
      onIdle: () => this.#finish('idle exit'),
    })
    void this.#c.conn.closed.then(() => this.#finish('bus connection lost'))
  }

  /** Save changed settings to log-service.json (when there is one). */
  #save(change: LogServiceConfig): void {
    const path = this.#opts.configFile
    if (path === undefined) return
    try {
      saveConfig(path, { ...loadConfig(path), ...change })
    } catch (err) {
      this.log.warn(`Could not save ${path}`, { error: err })
    }
  }

  // ---- Attach / Detach ----------------------------------------------------------------

  async #attach(iface: string, ctx: CallContext): Promise<void> {
    try {
      await ctx.caller()
    } catch (err) {
      throw new ServiceError(LOG_ERROR_DOMAIN, 'Could not authenticate caller', { cause: err })
    }
    if (this.#subs.get(ctx.sender, iface)) throw denied('Already attached')
    const sub = this.#subs.add(ctx.sender, iface)
    try {
      sub.unsubscribe = await this.#c.conn.signals.subscribe(
        { sender: ctx.sender, interface: iface },
        (msg) => this.#onSignal(sub, msg)
      )
      this.#watchSender(ctx.sender)
    } catch (err) {
      this.#subs.delete(sub)
      throw err
    }
    this.log.verb2(`Attached: ${sub.tag.display} ${sub.tag.text}`)
  }

  async #detach(iface: string, ctx: CallContext): Promise<void> {
    const sub = this.#subs.get(ctx.sender, iface)
    if (!sub) throw denied(this.#subs.hasInterface(iface) ? 'Access denied' : 'Not attached')
    await this.#removeSubscription(sub)
    this.log.verb2(`Detached: ${sub.tag.display} ${sub.tag.text}`)
  }

  async #removeSubscription(sub: Subscription): Promise<void> {
    this.#subs.delete(sub)
    await sub.unsubscribe().catch(() => undefined)
  }

  #watchSender(sender: string): void {
    if (this.#watches.has(sender)) return
    const w = watchNameVanish(this.#c.conn, sender, () => void this.#senderVanished(sender)).catch(
      () => undefined
    )
    this.#watches.set(sender, w)
  }

  async #senderVanished(sender: string): Promise<void> {
    this.#watches.delete(sender)
    this.host.callers.forget(sender)
    for (const sub of this.#subs.ofSender(sender)) {
      await this.#removeSubscription(sub)
      this.log.verb2(`Purged subscription of vanished ${sub.tag.display} ${sub.tag.text}`)
    }
    for (const p of [...this.#proxies.values()]) {
      if (p.target === sender) this.#removeProxy(p, 'receiver vanished')
    }
  }

  // ---- AssignSession / ProxyLogEvents -------------------------------------------------

  async #assignSession(sessionPath: string, iface: string, ctx: CallContext): Promise<void> {
    const { uid, pid } = await ctx.caller()
    if (!this.#serviceUids.has(uid)) throw denied()
    const owners = await this.#ownedBackendName(ctx.sender, pid)
    if (!owners) throw denied()
    const sub = this.#subs.get(ctx.sender, iface)
    if (!sub) throw denied('Not attached')
    sub.sessions.add(sessionPath)
    this.log.verb2(`Session ${sessionPath} assigned to ${sub.tag.display}`)
  }

  /** Does `sender` own `net.openvpn.v3.backends.be<pid>` (spec §8.2)? */
  async #ownedBackendName(sender: string, pid: number): Promise<boolean> {
    const name = `${BusName.backends}.be${pid}`
    if (parseBackendBusName(name) === undefined) return false
    return (await getNameOwner(this.#c.conn, name)) === sender
  }

  async #isSessionManager(sender: string): Promise<boolean> {
    return (await getNameOwner(this.#c.conn, BusName.sessions)) === sender
  }

  async #proxyLogEvents(target: string, sessionPath: string, ctx: CallContext): Promise<string> {
    const { uid } = await ctx.caller()
    if (!this.#serviceUids.has(uid) || !(await this.#isSessionManager(ctx.sender))) throw denied()
    if (!this.#subs.hasSession(sessionPath)) throw denied('No session available')
    let targetUid: number
    try {
      targetUid = (await this.host.callers.lookup(target)).uid
    } catch (err) {
      throw new ServiceError(LOG_ERROR_DOMAIN, `Invalid target '${target}'`, { cause: err })
    }
    const path = newLogProxyPath()
    const proxy = new LogProxy({
      path,
      sessionPath,
      target,
      targetUid,
      host: this.host,
      isSessionManager: (s) => this.#isSessionManager(s),
      onRemove: (p) => this.#removeProxy(p, 'Remove called'),
    })
    this.#proxies.set(path, proxy)
    this.#watchSender(target)
    this.log.verb2(`Log proxy ${path}: ${sessionPath} → ${target}`)
    return path
  }

  #removeProxy(p: LogProxy, why: string): void {
    if (!this.#proxies.delete(p.path)) return
    p.unexport()
    this.log.verb2(`Log proxy ${p.path} removed (${why})`)
  }

  // ---- incoming signals -----------------------------------------------------------------

  #onSignal(sub: Subscription, msg: Message): void {
    if (msg.member === 'Log') this.#onLog(sub, msg)
    else if (msg.member === 'StatusChange') this.#onStatusChange(sub, msg)
  }

  #onLog(sub: Subscription, msg: Message): void {
    const b = msg.body
    let group: number, category: number, text: unknown
    let token: string | undefined
    if (msg.signature === 'uus') [group, category, text] = b as [number, number, string]
    else if (msg.signature === 'uuss') {
      ;[group, category, token, text] = b as [number, number, string, string]
    } else return
    if (typeof text !== 'string') return
    this.received++
    const message = scrubSecrets(cleanLogText(text))
    if (logCategoryPasses(this.#level, category)) {
      if (this.#dbusDetails) {
        this.#write({
          group,
          category,
          message: `sender=${sub.sender}, interface=${sub.iface}, path=${msg.path ?? ''}, member=Log`,
          tag: sub.tag.display,
        })
      }
      this.#write({
        group,
        category,
        message,
        tag: sub.tag.display,
        ...(token ? { sessionToken: token } : {}),
        ...(msg.path !== undefined ? { path: msg.path } : {}),
      })
    }
    if (sub.sessions.size === 0) return
    for (const p of this.#proxies.values()) {
      if (sub.sessions.has(p.sessionPath)) p.forwardLog(group, category, message)
    }
  }

  #onStatusChange(sub: Subscription, msg: Message): void {
    if (msg.signature !== 'uus') return
    const [major, minor, text] = msg.body as [number, number, string]
    this.received++
    const message = scrubSecrets(cleanLogText(String(text)))
    if (logCategoryPasses(this.#level, LogCategory.DEBUG)) {
      this.#write({
        group: LogGroup.LOGGER,
        category: LogCategory.DEBUG,
        message: `StatusChange from ${msg.path ?? ''}: major=${major}, minor=${minor}, ${message}`,
        tag: sub.tag.display,
      })
    }
    if (sub.sessions.size === 0) return
    for (const p of this.#proxies.values()) {
      if (sub.sessions.has(p.sessionPath)) p.forwardStatus(major, minor, message)
    }
  }

  /** Tear down in reverse order. Idempotent. */
  async stop(): Promise<void> {
    if (this.#stopped) return
    this.#stopped = true
    this.#stopIdle()
    for (const p of [...this.#proxies.values()]) this.#removeProxy(p, 'service stopping')
    for (const sub of this.#subs.all()) await this.#removeSubscription(sub)
    for (const w of this.#watches.values()) await w.then((x) => x?.cancel()).catch(() => undefined)
    this.#watches.clear()
    this.host.close()
    if (!this.#c.conn.isClosed) await releaseName(this.#c.conn, BusName.log).catch(() => undefined)
    this.#finish('stopped')
  }
}
