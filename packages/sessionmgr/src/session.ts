/**
 * One session object `/net/openvpn/v3/sessions/<id>` (spec dbus-api.md §4.2): relays the
 * methods to its backend client (§6.3), keeps the last status, proxies the backend's
 * `AttentionRequired` (broadcast) and `StatusChange` (log service only, §1.5), serves every
 * property (live copies of the backend's are refreshed in the access hook, the kit's getters
 * being synchronous), applies the access rules of §4.3 and closes itself on the terminal
 * backend states (§4.2 "Automatic close").
 */
import {
  AccessDeniedError,
  BusName,
  DBusCallError,
  ErrorDomain,
  LogCategory,
  LogGroup,
  ObjectPath,
  ServiceError,
  StatusMajor,
  StatusMinor,
  Variant,
  backendClientInterface,
  hasAccess,
  logProxyInterface,
  logServiceInterface,
  proxy,
  sessionObjectInterface,
  type CallContext,
  type DBusConnection,
  type ExportedObject,
  type ServiceHost,
  type ServiceLogger,
  type VariantValue,
} from '@openvpn3-ts/dbus'

const CONN = StatusMajor.CONNECTION

/** Backend states after which the session closes itself (spec §4.2). */
const CLOSING_MINORS: ReadonlySet<number> = new Set([
  StatusMinor.CFG_ERROR,
  StatusMinor.CONN_DONE,
  StatusMinor.CONN_FAILED,
  StatusMinor.PROC_KILLED,
])

/** Properties whose value is a live copy of the backend's (spec §4.2). */
const LIVENESS_MS = 1000

const LIVE = new Set(['statistics', 'device_path', 'device_name', 'session_name', 'connected_to'])

export interface SessionInit {
  path: string
  owner: number
  configPath: string
  /** UID of the openvpn service user (may read properties) */
  openvpnUid: number
  created?: bigint
  acl?: number[]
  publicAccess?: boolean
  restrictLogAccess?: boolean
  configName?: string
  /** `automatic-restart` override value, when set on the profile (spec §4.5) */
  autoRestart?: string
}

/** Where the session's backend lives. */
export interface BackendRef {
  busName: string
  /** unique name of the backend connection (signals come from it) */
  sender: string
  pid: number
}

export interface SessionHooks {
  /** the session object is gone (send SESS_DESTROYED, forget it) */
  onDestroyed(session: Session): void
  /** persistent state changed (ACL, owner, backend) */
  onChanged(session: Session): void
}

type Status = [number, number, string]

/** Plain data of a session, as recorded for a restarted session manager. */
export interface SessionRecord {
  path: string
  owner: number
  acl: number[]
  publicAccess: boolean
  restrictLogAccess: boolean
  created: string
  configPath: string
  configName: string
  autoRestart?: string
  backend?: BackendRef
}

export class Session {
  readonly path: string
  owner: number
  readonly acl: number[]
  publicAccess: boolean
  restrictLogAccess: boolean
  readonly created: bigint
  readonly configPath: string
  configName: string
  readonly autoRestart: string | undefined
  backend: BackendRef | undefined
  status: Status = [0, 0, '']
  /** true once the backend reported CONN_CONNECTED (restart back-off reset rule, §4.5) */
  everConnected = false
  #lastLog: Record<string, VariantValue> = {}
  #logVerbosity = 3
  #dco = false
  #dcoModified = false
  #dcoLocked = false
  #live: Record<string, unknown> = {
    statistics: {},
    device_path: '/',
    device_name: '',
    session_name: '',
    connected_to: ['', '', 0],
  }
  readonly #forwards = new Map<string, string>()
  #object: ExportedObject<typeof sessionObjectInterface> | undefined
  #closed = false
  /** when the backend last showed it is alive (reply or signal); the liveness ping is skipped
   * within LIVENESS_MS of it (its death is caught by the bus-name watch anyway) */
  #lastAlive = 0

  constructor(
    init: SessionInit,
    private readonly host: ServiceHost,
    private readonly conn: DBusConnection,
    private readonly log: ServiceLogger,
    private readonly hooks: SessionHooks,
    private readonly openvpnUid: number = init.openvpnUid
  ) {
    this.path = init.path
    this.owner = init.owner
    this.acl = init.acl ?? []
    this.publicAccess = init.publicAccess ?? false
    this.restrictLogAccess = init.restrictLogAccess ?? true
    this.created = init.created ?? BigInt(Math.floor(Date.now() / 1000))
    this.configPath = init.configPath
    this.configName = init.configName ?? ''
    this.autoRestart = init.autoRestart
  }

  get closed(): boolean {
    return this.#closed
  }

  toRecord(): SessionRecord {
    return {
      path: this.path,
      owner: this.owner,
      acl: [...this.acl],
      publicAccess: this.publicAccess,
      restrictLogAccess: this.restrictLogAccess,
      created: String(this.created),
      configPath: this.configPath,
      configName: this.configName,
      ...(this.autoRestart !== undefined ? { autoRestart: this.autoRestart } : {}),
      ...(this.backend ? { backend: this.backend } : {}),
    }
  }

  /** Visible to `uid` in lists and allowed to call methods (spec §4.3). */
  visibleTo(uid: number): boolean {
    return hasAccess(uid, this, { allowPublic: true })
  }

  /** Session log line from the session manager; remembered as `last_log` (spec §4.2). */
  logLine(category: number, message: string): void {
    this.log.log(category, message, { path: this.path })
    this.#lastLog = {
      log_group: new Variant('u', LogGroup.SESSIONMGR),
      log_category: new Variant('u', category),
      log_message: new Variant('s', message),
    }
  }

  #backendProxy() {
    if (!this.backend) throw new ServiceError(ErrorDomain.GDBUSPP, 'VPN session is stopped')
    return proxy(this.conn, this.backend.busName, ObjectPath.backendSession, backendClientInterface)
  }

  /** Export the object (once the backend has registered, spec §6.2 step 4). */
  export(): void {
    if (this.#object) return
    const relay = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
      try {
        return await call()
      } catch (err) {
        throw rewrap(what, err)
      }
    }
    this.#object = this.host.export(this.path, sessionObjectInterface, {
      methods: {
        Ready: async () => {
          try {
            await this.#backendProxy().Ready()
          } catch (err) {
            if (err instanceof DBusCallError && err.is(ErrorDomain.READY)) {
              throw new ServiceError(ErrorDomain.READY, err.text, { cause: err })
            }
            this.logLine(LogCategory.ERROR, `Ready failed: ${errText(err)}`)
            throw new ServiceError(ErrorDomain.GDBUSPP, errText(err), { cause: err })
          }
        },
        Connect: () =>
          relay('Connect', async () => {
            const be = this.#backendProxy()
            if (this.#dcoModified) await be.$set('dco', this.#dco)
            this.#dcoLocked = true
            const [level] = await Promise.all([
              be.$get('log_level').catch(() => this.#logVerbosity),
              be.Connect(),
            ])
            this.#logVerbosity = level
          }),
        Pause: ({ reason }) =>
          relay('Pause', async () => {
            this.logLine(LogCategory.INFO, `Pausing session: ${stripControl(reason)}`)
            await this.#backendProxy().Pause(reason)
          }),
        Resume: () => relay('Resume', () => this.#backendProxy().Resume()),
        Restart: () => relay('Restart', () => this.#backendProxy().Restart()),
        Disconnect: async () => {
          await this.close('Session closed', StatusMinor.PROC_STOPPED, { disconnect: true })
        },
        AccessGrant: ({ uid }) => {
          if (this.acl.includes(uid))
            throw new ServiceError(ErrorDomain.GDBUSPP, 'UID already granted access')
          this.acl.push(uid)
          this.logLine(LogCategory.INFO, `Access granted to UID ${uid}`)
          this.hooks.onChanged(this)
          this.#object?.propertiesChanged(['acl'])
        },
        AccessRevoke: ({ uid }) => {
          const i = this.acl.indexOf(uid)
          if (i < 0) throw new ServiceError(ErrorDomain.GDBUSPP, 'UID not granted access')
          this.acl.splice(i, 1)
          this.logLine(LogCategory.INFO, `Access revoked for UID ${uid}`)
          this.hooks.onChanged(this)
          this.#object?.propertiesChanged(['acl'])
        },
        LogForward: async ({ enable }, ctx) => {
          await this.#logForward(enable, ctx.sender)
        },
        UserInputQueueGetTypeGroup: () =>
          relay('UserInputQueueGetTypeGroup', () =>
            this.#backendProxy().UserInputQueueGetTypeGroup()
          ),
        UserInputQueueFetch: ({ type, group, id }) =>
          relay('UserInputQueueFetch', () =>
            this.#backendProxy().UserInputQueueFetch(type, group, id)
          ),
        UserInputQueueCheck: ({ type, group }) =>
          relay('UserInputQueueCheck', () => this.#backendProxy().UserInputQueueCheck(type, group)),
        UserInputProvide: ({ type, group, id, value }) =>
          relay('UserInputProvide', () =>
            this.#backendProxy().UserInputProvide(type, group, id, value)
          ),
      },
      properties: {
        owner: { get: () => this.owner },
        acl: { get: () => [...this.acl] },
        public_access: {
          get: () => this.publicAccess,
          set: (v) => {
            this.publicAccess = v
            this.hooks.onChanged(this)
          },
        },
        restrict_log_access: {
          get: () => this.restrictLogAccess,
          set: (v) => {
            this.restrictLogAccess = v
            this.hooks.onChanged(this)
          },
        },
        session_created: { get: () => this.created },
        config_path: { get: () => this.configPath },
        config_name: { get: () => this.configName },
        backend_pid: { get: () => this.backend?.pid ?? 0 },
        status: { get: () => [...this.status] as Status },
        last_log: { get: () => this.#lastLog },
        statistics: { get: () => this.#live['statistics'] as Record<string, bigint> },
        device_path: { get: () => this.#live['device_path'] as string },
        device_name: { get: () => this.#live['device_name'] as string },
        session_name: { get: () => this.#live['session_name'] as string },
        connected_to: { get: () => this.#live['connected_to'] as [string, string, number] },
        log_verbosity: {
          get: () => this.#logVerbosity,
          set: async (v) => {
            this.#logVerbosity = v
            if (this.backend) await this.#backendProxy().$set('log_level', v)
          },
        },
        log_forwards: { get: () => [...this.#forwards.values()] },
        dco: {
          get: () => this.#dco,
          set: (v) => {
            if (this.#dcoLocked) throw new Error('DCO mode cannot be changed now')
            this.#dco = v
            this.#dcoModified = true
          },
        },
      },
      authorize: (req, ctx) => this.#authorize(req, ctx),
    })
  }

  async #authorize(
    req: { kind: 'method'; member: string } | { kind: 'get' | 'set'; property: string },
    ctx: CallContext
  ): Promise<void> {
    const { uid, pid } = await ctx.caller()
    let ok: boolean
    if (req.kind === 'method') {
      if (req.member === 'AccessGrant' || req.member === 'AccessRevoke') ok = uid === this.owner
      else if (req.member === 'LogForward' && this.restrictLogAccess) ok = uid === this.owner
      else ok = hasAccess(uid, this, { allowPublic: true })
    } else if (req.kind === 'get') {
      ok = hasAccess(uid, this, { allowRoot: true, extraUids: [this.openvpnUid] })
    } else if (req.property === 'public_access' || req.property === 'restrict_log_access') {
      ok = uid === this.owner
    } else {
      ok = hasAccess(uid, this)
    }
    if (!ok) {
      if (req.kind !== 'get') {
        const what = req.kind === 'method' ? req.member : `set ${req.property}`
        this.logLine(LogCategory.CRIT, `Access denied: ${what} by uid ${uid} (pid ${pid})`)
      }
      throw new AccessDeniedError('Access denied')
    }
    // liveness check before method calls (spec §4.2): a backend that does not answer is gone
    if (
      req.kind === 'method' &&
      this.backend &&
      req.member !== 'Disconnect' &&
      Date.now() - this.#lastAlive > LIVENESS_MS
    ) {
      const alive = await this.#backendProxy()
        .$call('Ping', [], { timeoutMs: 3000 })
        .then((r) => r.value)
        .catch(() => false)
      if (alive !== true) {
        await this.close('Session closed, killed backend client', StatusMinor.PROC_KILLED, {
          force: true,
        })
        throw new ServiceError(ErrorDomain.GDBUSPP, 'Backend VPN process did not respond')
      }
      this.#lastAlive = Date.now()
    }
    if (req.kind === 'get' && LIVE.has(req.property)) await this.#refresh(req.property)
  }

  /** Fetch a live property from the backend into the cache (errors keep the old value). */
  async #refresh(name: string): Promise<void> {
    if (!this.backend) return
    const be = this.#backendProxy()
    const opts = { timeoutMs: 3000 }
    try {
      switch (name) {
        case 'statistics':
          this.#live[name] = await be.$get('statistics', opts)
          break
        case 'device_path':
          this.#live[name] = await be.$get('device_path', opts)
          break
        case 'device_name':
          this.#live[name] = await be.$get('device_name', opts)
          break
        case 'session_name':
          this.#live[name] = await be.$get('session_name', opts)
          break
        case 'connected_to': {
          const c = await be.$get('connection', opts)
          this.#live[name] = [c[0], c[2], c[3]]
          break
        }
      }
    } catch {
      // backend busy or gone: keep the last value
    }
  }

  /** Current tunnel interface name, read from the backend. */
  async deviceName(): Promise<string> {
    await this.#refresh('device_name')
    return this.#live['device_name'] as string
  }

  async #logForward(enable: boolean, sender: string): Promise<void> {
    const logsvc = proxy(this.conn, BusName.log, ObjectPath.log, logServiceInterface)
    if (enable) {
      if (this.#forwards.has(sender)) return
      const p = await logsvc.ProxyLogEvents(sender, this.path)
      this.#forwards.set(sender, p)
    } else {
      const p = this.#forwards.get(sender)
      this.#forwards.delete(sender)
      if (p) {
        await proxy(this.conn, BusName.log, p, logProxyInterface)
          .Remove()
          .catch((err: unknown) => {
            this.logLine(LogCategory.WARN, `Removing log forward failed: ${errText(err)}`)
          })
      }
    }
  }

  /** A backend StatusChange (spec §4.2): remember, relay to the log service, maybe close. */
  onBackendStatus(major: number, minor: number, message: string): void {
    this.status = [major, minor, message]
    this.#lastAlive = Date.now()
    if (major === CONN && minor === StatusMinor.CONN_CONNECTED) this.everConnected = true
    this.log.statusChange(major, minor, message, { path: this.path })
    if (major === CONN && CLOSING_MINORS.has(minor)) {
      // let the status be read for a moment (the CLI polls it), then close as Disconnect
      setTimeout(() => {
        void this.close('Session closed', StatusMinor.PROC_STOPPED, { disconnect: true })
      }, 1000).unref()
    }
  }

  onBackendAttention(type: number, group: number, message: string): void {
    this.#object?.emit('AttentionRequired', [type, group, message])
  }

  /** The backend changed (registration or automatic restart). */
  attachBackend(ref: BackendRef): void {
    this.backend = ref
    this.#lastAlive = Date.now()
    this.hooks.onChanged(this)
  }

  /**
   * Close the session: optionally ask the backend to disconnect (errors ignored) or force it
   * down, report the final status, drop log forwards, unexport (→ SESS_DESTROYED).
   */
  async close(
    message: string,
    minor: number,
    opts: { disconnect?: boolean; force?: boolean } = {}
  ): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.backend && (opts.disconnect || opts.force)) {
      const be = this.#backendProxy()
      if (opts.force) {
        // a hung backend will not answer: do not wait for it
        void be.$call('ForceShutdown', [], { timeoutMs: 5000 }).catch(() => undefined)
      } else {
        await be.$call('Disconnect', [], { timeoutMs: 5000 }).catch(() => undefined)
      }
    }
    this.status = [StatusMajor.SESSION, minor, message]
    this.log.statusChange(StatusMajor.SESSION, minor, message, { path: this.path })
    for (const sender of [...this.#forwards.keys()]) await this.#logForward(false, sender)
    this.#object?.unexport()
    this.#object = undefined
    this.hooks.onDestroyed(this)
  }

  /** The backend vanished and will not come back: last status, then destroy (no backend call). */
  async backendDied(): Promise<void> {
    this.backend = undefined
    const [major, minor] = this.status
    const text =
      major === CONN && CLOSING_MINORS.has(minor)
        ? 'Session closed'
        : 'Backend VPN process has died'
    this.logLine(LogCategory.WARN, text)
    await this.close(text, StatusMinor.PROC_KILLED)
  }

  /** Detach without closing (service shutdown: the tunnel keeps running). */
  detach(): void {
    this.#object?.unexport()
    this.#object = undefined
  }
}

function stripControl(text: string): string {
  return [...text].filter((c) => c.charCodeAt(0) >= 0x20).join('')
}

function errText(err: unknown): string {
  if (err instanceof DBusCallError) return err.text
  return err instanceof Error ? err.message : String(err)
}

/** Backend errors come back re-wrapped with the backend's text (spec §4.2). */
function rewrap(what: string, err: unknown): Error {
  if (err instanceof ServiceError) return err
  if (err instanceof DBusCallError) {
    const text =
      err.domain === undefined || err.domain === ErrorDomain.REQUEST
        ? err.text
        : `${err.domain}: ${err.text}`
    return new ServiceError(ErrorDomain.REQUEST, text, { cause: err })
  }
  return new ServiceError(ErrorDomain.REQUEST, `${what}: ${errText(err)}`, { cause: err })
}
