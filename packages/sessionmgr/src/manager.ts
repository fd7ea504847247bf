/**
 * The session manager object `/net/openvpn/v3/sessions` (spec dbus-api.md §4.1) and the
 * tunnel queue: `NewTunnel` registers a token, calls the backend starter's `StartClient`
 * (§5) and replies as soon as the backend's `RegistrationRequest` → `RegistrationConfirmation`
 * handshake (§6.2) has completed — no fixed delay. Backend signals (`StatusChange`,
 * `AttentionRequired`) are dispatched to their session by sender. A backend whose bus name
 * vanishes either is restarted with upstream's back-off (`automatic-restart`, §4.5) or its
 * session is destroyed (SESS_DESTROYED). Running sessions are recorded (state.ts) so a
 * restarted session manager re-attaches to their backends instead of killing the tunnels.
 */
import {
  BusName,
  DBusCallError,
  ErrorDomain,
  InterfaceName,
  LogCategory,
  ObjectPath,
  SERVICE_VERSION,
  ServiceError,
  SessionManagerEventType,
  StatusMajor,
  StatusMinor,
  backendClientInterface,
  backendStarterInterface,
  configurationObjectInterface,
  getNameOwner,
  newBackendToken,
  newSessionPath,
  proxy,
  sessionManagerInterface,
  watchNameVanish,
  type DBusConnection,
  type ExportedObject,
  type Message,
  type NameWatch,
  type ServiceHost,
  type ServiceLogger,
} from '@openvpn3-ts/dbus'
import { Session, type BackendRef, type SessionRecord } from './session.js'
import type { SessionStore } from './state.js'

/** How long NewTunnel waits for the backend to register (upstream CLI waits 15 s). */
export const REGISTRATION_TIMEOUT_MS = 15_000
/** automatic-restart (spec §4.5) */
const RESTART_MAX_ATTEMPTS = 10
const RESTART_RESET_MS = 90_000

interface Pending {
  token: string
  configPath: string
  owner: number
  path: string
  /** existing session being restarted (§4.5) */
  restartOf?: Session
  /** the profile's owner/transfer/automatic-restart, read while the backend starts */
  config: Promise<ConfigInfo>
  resolve(path: string): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

interface ConfigInfo {
  owner?: number
  transferOwner: boolean
  autoRestart?: string
}

interface RestartState {
  attempts: number
  lastTrigger: number
  timer?: NodeJS.Timeout
}

export interface ManagerOptions {
  log: ServiceLogger
  store: SessionStore
  openvpnUid: number
  /** first restart delay unit in ms (3 s upstream; tests shorten it) */
  restartUnitMs?: number
}

export class SessionManager {
  readonly sessions = new Map<string, Session>()
  readonly #pending = new Map<string, Pending>()
  readonly #bySender = new Map<string, Session>()
  readonly #watches = new Map<Session, NameWatch>()
  readonly #restarts = new Map<Session, RestartState>()
  #object: ExportedObject<typeof sessionManagerInterface> | undefined
  #unsubscribe: (() => Promise<void>) | undefined
  #stopping = false

  constructor(
    private readonly host: ServiceHost,
    private readonly conn: DBusConnection,
    private readonly opts: ManagerOptions
  ) {}

  get busy(): boolean {
    return this.sessions.size > 0 || this.#pending.size > 0
  }

  get #log(): ServiceLogger {
    return this.opts.log
  }

  async start(): Promise<void> {
    this.#unsubscribe = await this.conn.signals.subscribe(
      { interface: InterfaceName.backends, path: ObjectPath.backendSession },
      (msg) => this.#onBackendSignal(msg)
    )
    this.#object = this.host.export(ObjectPath.sessions, sessionManagerInterface, {
      methods: {
        NewTunnel: async ({ config_path }, ctx) => {
          const { uid } = await ctx.caller()
          return this.newTunnel(config_path, uid)
        },
        FetchAvailableSessions: async (_a, ctx) => {
          const { uid } = await ctx.caller()
          return this.#visible(uid).map((s) => s.path)
        },
        FetchManagedInterfaces: async (_a, ctx) => {
          const { uid } = await ctx.caller()
          return Promise.all(this.#visible(uid).map((s) => s.deviceName()))
        },
        LookupConfigName: async ({ config_name }, ctx) => {
          const { uid } = await ctx.caller()
          return this.#visible(uid)
            .filter((s) => s.configName === config_name)
            .map((s) => s.path)
        },
        LookupInterface: async ({ device_name }, ctx) => {
          const { uid } = await ctx.caller()
          const found: Session[] = []
          for (const s of this.#visible(uid)) {
            if ((await s.deviceName()) === device_name) found.push(s)
          }
          if (found.length === 0) throw new ServiceError(ErrorDomain.GDBUSPP, 'Interface not found')
          if (found.length > 1)
            throw new ServiceError(ErrorDomain.GDBUSPP, 'More than one interface found')
          return found[0]?.path ?? '/'
        },
      },
      properties: { version: { get: () => SERVICE_VERSION } },
    })
  }

  #visible(uid: number): Session[] {
    return [...this.sessions.values()].filter((s) => !s.closed && s.visibleTo(uid))
  }

  /** NewTunnel (spec §4.1): start a backend, reply once it has registered. */
  async newTunnel(configPath: string, uid: number): Promise<string> {
    if (this.#visible(uid).some((s) => s.configPath === configPath)) {
      throw new ServiceError(
        ErrorDomain.GDBUSPP,
        'A session with this configuration profile is already running'
      )
    }
    const path = newSessionPath()
    return this.#startBackend({ configPath, owner: uid, path })
  }

  #startBackend(req: { configPath: string; owner: number; path: string; restartOf?: Session }) {
    const token = newBackendToken()
    const config = this.#readConfig(req.configPath)
    const registered = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token)
        reject(new ServiceError(ErrorDomain.REQUEST, 'Could not start the VPN client'))
      }, REGISTRATION_TIMEOUT_MS)
      timer.unref()
      this.#pending.set(token, { token, ...req, config, resolve, reject, timer })
    })
    // keep an unhandled rejection from escaping while StartClient is still running
    registered.catch(() => undefined)
    const starter = proxy(this.conn, BusName.backends, ObjectPath.backends, backendStarterInterface)
    return (async () => {
      try {
        const { value: pid } = await starter.$call('StartClient', [token], { timeoutMs: 10_000 })
        this.#log.verb1(`Backend started for ${req.path}, pid ${pid}`)
      } catch (err) {
        const p = this.#pending.get(token)
        if (p) {
          clearTimeout(p.timer)
          this.#pending.delete(token)
        }
        this.#log.error('Could not start the VPN client', { error: err })
        throw new ServiceError(ErrorDomain.REQUEST, 'Could not start the VPN client', {
          cause: err,
        })
      }
      return registered
    })()
  }

  #onBackendSignal(msg: Message): void {
    const sender = msg.sender ?? ''
    switch (msg.member) {
      case 'RegistrationRequest': {
        if (msg.signature !== 'ssi') return
        const [busName, token, pid] = msg.body as [string, string, number]
        void this.#register({ busName, sender, pid }, token)
        return
      }
      case 'StatusChange': {
        if (msg.signature !== 'uus') return
        const [major, minor, text] = msg.body as [number, number, string]
        this.#bySender.get(sender)?.onBackendStatus(major, minor, text)
        return
      }
      case 'AttentionRequired': {
        if (msg.signature !== 'uus') return
        const [type, group, text] = msg.body as [number, number, string]
        this.#bySender.get(sender)?.onBackendAttention(type, group, text)
        return
      }
      default:
        return
    }
  }

  /** RegistrationRequest → session object → RegistrationConfirmation (spec §6.2 steps 4–6). */
  async #register(ref: BackendRef, token: string): Promise<void> {
    const p = this.#pending.get(token)
    if (!p) {
      this.#log.warn(`RegistrationRequest with an unknown token from ${ref.busName}; ignored`)
      return
    }
    this.#pending.delete(token)
    clearTimeout(p.timer)
    let session = p.restartOf
    try {
      if (!session) {
        const cfg = await p.config
        session = new Session(
          {
            path: p.path,
            owner: p.owner,
            configPath: p.configPath,
            openvpnUid: this.opts.openvpnUid,
            ...(cfg.autoRestart !== undefined ? { autoRestart: cfg.autoRestart } : {}),
          },
          this.host,
          this.conn,
          this.#log,
          this.#hooks
        )
        // transfer_owner_session (spec §4.4)
        if (cfg.transferOwner && cfg.owner !== undefined && cfg.owner !== p.owner) {
          session.owner = cfg.owner
          session.acl.push(p.owner)
          session.restrictLogAccess = false
        }
        this.sessions.set(session.path, session)
        session.export()
      }
      session.attachBackend(ref)
      this.#bySender.set(ref.sender, session)
      const be = proxy(this.conn, ref.busName, ObjectPath.backendSession, backendClientInterface)
      // the watch needs no ordering: a name already gone fires it at once
      const [, { value: name }] = await Promise.all([
        this.#watchBackend(session, ref),
        be.$call('RegistrationConfirmation', [token, p.path, p.configPath], {
          timeoutMs: REGISTRATION_TIMEOUT_MS,
        }),
      ])
      if (!p.restartOf) session.configName = name
      this.opts.store.save(this.#records())
      session.logLine(LogCategory.INFO, `Session registered, backend ${ref.busName}`)
      if (!p.restartOf) {
        this.#object?.emit('SessionManagerEvent', [
          session.path,
          SessionManagerEventType.SESS_CREATED,
          session.owner,
        ])
      } else {
        await this.#resumeAfterRestart(session)
      }
      p.resolve(session.path)
    } catch (err) {
      this.#log.error(`Registration of ${ref.busName} failed`, { error: err })
      const be = proxy(this.conn, ref.busName, ObjectPath.backendSession, backendClientInterface)
      void be.$call('ForceShutdown', [], { timeoutMs: 2000 }).catch(() => undefined)
      if (session) {
        this.#bySender.delete(ref.sender)
        session.backend = undefined
        await session.close('Session closed', StatusMinor.PROC_KILLED)
      }
      p.reject(
        new ServiceError(ErrorDomain.REQUEST, 'Could not start the VPN client', { cause: err })
      )
    }
  }

  /** Reads what the session needs from the configuration object (as the service user). */
  async #readConfig(path: string): Promise<ConfigInfo> {
    const cfg = proxy(this.conn, BusName.configuration, path, configurationObjectInterface)
    const opts = { timeoutMs: 5000 }
    const [owner, transfer, overrides] = await Promise.all([
      cfg.$get('owner', opts).catch(() => undefined),
      cfg.$get('transfer_owner_session', opts).catch(() => false),
      cfg.$get('overrides', opts).catch(() => ({})),
    ])
    const ar = (overrides as Record<string, { value: unknown } | undefined>)['automatic-restart']
    const autoRestart =
      ar === undefined ? undefined : typeof ar.value === 'string' ? ar.value : String(ar.value)
    return {
      ...(owner !== undefined ? { owner } : {}),
      transferOwner: transfer === true,
      ...(autoRestart !== undefined && autoRestart !== 'no' && autoRestart !== 'false'
        ? { autoRestart }
        : {}),
    }
  }

  async #watchBackend(session: Session, ref: BackendRef): Promise<void> {
    await this.#watches.get(session)?.cancel()
    const watch = await watchNameVanish(this.conn, ref.busName, () => {
      this.#watches.delete(session)
      this.#bySender.delete(ref.sender)
      void this.#backendVanished(session, ref)
    })
    this.#watches.set(session, watch)
  }

  /** A backend's bus name vanished (crash, SIGKILL, normal exit). */
  async #backendVanished(session: Session, ref: BackendRef): Promise<void> {
    if (this.#stopping || session.closed || session.backend !== ref) return
    if (session.autoRestart !== undefined) {
      this.#scheduleRestart(session)
      return
    }
    await session.backendDied()
  }

  /** automatic-restart back-off: min(768, 3·2^(n−1)) s, ≤ 10 attempts (spec §4.5). */
  #scheduleRestart(session: Session): void {
    session.backend = undefined
    const now = Date.now()
    const st = this.#restarts.get(session) ?? { attempts: 0, lastTrigger: 0 }
    if (session.everConnected && now - st.lastTrigger > RESTART_RESET_MS) st.attempts = 0
    st.attempts += 1
    st.lastTrigger = now
    session.everConnected = false
    this.#restarts.set(session, st)
    if (st.attempts > RESTART_MAX_ATTEMPTS) {
      session.logLine(LogCategory.ERROR, 'Backend restarted too often; giving up')
      void session.backendDied()
      return
    }
    const unit = this.opts.restartUnitMs ?? 3000
    const delay = Math.min(768_000, unit * 2 ** (st.attempts - 1))
    session.status = [StatusMajor.SESSION, StatusMinor.PROC_KILLED, 'Backend VPN process has died']
    session.logLine(
      LogCategory.WARN,
      `Backend died; restarting in ${(delay / 1000).toFixed(1)} s (attempt ${st.attempts})`
    )
    st.timer = setTimeout(() => {
      if (session.closed || this.#stopping) return
      this.#startBackend({
        configPath: session.configPath,
        owner: session.owner,
        path: session.path,
        restartOf: session,
      }).catch((err: unknown) => {
        session.logLine(LogCategory.ERROR, `Restart failed: ${String(err)}`)
        this.#scheduleRestart(session)
      })
    }, delay)
    st.timer.unref()
  }

  /** After an automatic restart: Ready, then Connect (spec §4.5). */
  async #resumeAfterRestart(session: Session): Promise<void> {
    const be = proxy(
      this.conn,
      session.backend?.busName ?? '',
      ObjectPath.backendSession,
      backendClientInterface
    )
    try {
      await be.Ready()
      await be.Connect()
      session.logLine(LogCategory.INFO, 'Backend restarted, reconnecting')
    } catch (err) {
      const text = err instanceof DBusCallError ? err.text : String(err)
      session.logLine(LogCategory.WARN, `Restarted backend is not ready: ${text}`)
    }
  }

  readonly #hooks = {
    onDestroyed: (s: Session) => {
      this.sessions.delete(s.path)
      for (const [k, v] of this.#bySender) if (v === s) this.#bySender.delete(k)
      void this.#watches
        .get(s)
        ?.cancel()
        .catch(() => undefined)
      this.#watches.delete(s)
      const r = this.#restarts.get(s)
      if (r?.timer) clearTimeout(r.timer)
      this.#restarts.delete(s)
      this.opts.store.save(this.#records())
      this.#log.info(`Session ${s.path} destroyed`)
      this.#object?.emit('SessionManagerEvent', [
        s.path,
        SessionManagerEventType.SESS_DESTROYED,
        s.owner,
      ])
    },
    onChanged: () => {
      this.opts.store.save(this.#records())
    },
  }

  #records(): SessionRecord[] {
    return [...this.sessions.values()].filter((s) => !s.closed).map((s) => s.toRecord())
  }

  /**
   * Re-attach to backends that survived a session manager restart: a recorded session whose
   * backend still owns its bus name and reports the same `session_path` gets its object back.
   */
  async rediscover(): Promise<number> {
    let n = 0
    for (const rec of this.opts.store.load()) {
      const ref = rec.backend
      if (!ref) continue
      try {
        const owner = await getNameOwner(this.conn, ref.busName)
        if (!owner) continue
        const be = proxy(this.conn, ref.busName, ObjectPath.backendSession, backendClientInterface)
        const opts = { timeoutMs: 3000 }
        if ((await be.$get('session_path', opts)) !== rec.path) continue
        const status = await be.$get('status', opts)
        const session = new Session(
          {
            path: rec.path,
            owner: rec.owner,
            configPath: rec.configPath,
            openvpnUid: this.opts.openvpnUid,
            created: BigInt(rec.created),
            acl: rec.acl,
            publicAccess: rec.publicAccess,
            restrictLogAccess: rec.restrictLogAccess,
            configName: rec.configName,
            ...(rec.autoRestart !== undefined ? { autoRestart: rec.autoRestart } : {}),
          },
          this.host,
          this.conn,
          this.#log,
          this.#hooks
        )
        session.status = status
        if (status[0] === StatusMajor.CONNECTION && status[1] === StatusMinor.CONN_CONNECTED)
          session.everConnected = true
        const live: BackendRef = { busName: ref.busName, sender: owner, pid: ref.pid }
        session.backend = live
        this.sessions.set(rec.path, session)
        this.#bySender.set(owner, session)
        session.export()
        await this.#watchBackend(session, live)
        session.logLine(LogCategory.INFO, `Re-attached to running backend ${ref.busName}`)
        n += 1
      } catch (err) {
        this.#log.warn(`Could not re-attach ${rec.path}`, { error: err })
      }
    }
    this.opts.store.save(this.#records())
    return n
  }

  /**
   * After owning `net.openvpn.v3.sessions`: one method call on each re-attached backend makes
   * it send its signals to this (new) session manager (it re-checks the name owner).
   */
  async adoptBackends(): Promise<void> {
    for (const s of this.sessions.values()) {
      if (!s.backend) continue
      const be = proxy(
        this.conn,
        s.backend.busName,
        ObjectPath.backendSession,
        backendClientInterface
      )
      await be.$call('Ping', [], { timeoutMs: 3000 }).catch((err: unknown) => {
        s.logLine(LogCategory.WARN, `Backend did not answer after re-attach: ${String(err)}`)
      })
    }
  }

  /** Service shutdown: keep the backends (and their tunnels) running. */
  async stop(): Promise<void> {
    this.#stopping = true
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer)
      p.reject(new ServiceError(ErrorDomain.REQUEST, 'Could not start the VPN client'))
    }
    this.#pending.clear()
    for (const r of this.#restarts.values()) if (r.timer) clearTimeout(r.timer)
    for (const w of this.#watches.values()) await w.cancel().catch(() => undefined)
    for (const s of this.sessions.values()) s.detach()
    await this.#unsubscribe?.().catch(() => undefined)
    this.#object?.unexport()
  }
}
