/**
 * The backend client process's D-Bus object `/net/openvpn/v3/backends/session` (spec §6):
 * registration handshake (§6.2), methods with upstream semantics and error texts (§6.3),
 * properties and access rules (§6.4), the user-input queue (§6.5) and the engine event →
 * StatusChange/Log/AttentionRequired mapping (§6.6). The protocol engine runs in-process; its
 * `Tun` port is `NetcfgTun`. Secrets (passwords, challenge answers, passphrases) live only in
 * the input queue and the engine options and are never logged.
 *
 * Lifecycle: start() → registered (RegistrationConfirmation) → Connect → engine running …
 * → Disconnect / ForceShutdown / stop() → `done` resolves with the reason; main.ts exits.
 *
 * Start latency (issue 6): once the profile is evaluated the engine is prepared in the
 * background (engine-prep.ts); Connect replies without waiting for netcfg; the connect path's
 * signals wait until the first packet is out, and engine progress signals until the end of
 * the turn, so packets and netcfg calls are not held up by their marshalling (order is kept).
 */
import {
  AccessDeniedError,
  BusName,
  ClientAttentionGroup,
  ClientAttentionType,
  type DBusConnection,
  ErrorDomain,
  type ExportedObject,
  InterfaceName,
  LogCategory,
  MAX_LOG_LEVEL,
  ObjectPath,
  ServiceError,
  type ServiceHost,
  StatusMajor,
  StatusMinor,
  backendClientInterface,
  getNameOwner,
  logServiceInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import type {
  ClientEvent,
  EngineOptions,
  InputRequest,
  LinkFactory,
  OpenVpnClient,
  ClientPorts,
} from '@openvpn3-ts/protocol'
import type * as ProtocolModule from '@openvpn3-ts/protocol'
import type { BackendLog } from './backend-log.js'
import { NoSessionManagerError, ProfileEvaluationError } from './errors.js'
import { InputQueue } from './input-queue.js'
import { BatchedUdpLink } from './batched-udp-link.js'
import { EnginePrep } from './engine-prep.js'
import { nativeAeadPorts } from './native-aead.js'
import { NetcfgTun, linkSocketFd } from './netcfg-tun.js'
import type { EvaluatedProfile } from './profile-eval.js'
import type * as ProfileEvalModule from './profile-eval.js'
import { type Status, finalStatus, logCategoryOf, status } from './status-map.js'

export interface BackendClientInit {
  token: string
  disableProtectSocket?: boolean
}

export interface BackendClientComponents {
  conn: DBusConnection
  host: ServiceHost
  log: BackendLog
  /** engine factory (tests may wrap it) */
  createEngine?: (options: EngineOptions, ports: ClientPorts) => OpenVpnClient
}

const CRED = ClientAttentionType.CREDENTIALS
const G = ClientAttentionGroup
const CONN = StatusMajor.CONNECTION
const notInit = () => new ServiceError(ErrorDomain.CLIENT, 'Backend service is not initialized')

/** Properties only the session manager may read (spec §6.4). */
const RESTRICTED_GETS = new Set([
  'statistics',
  'stats',
  'device_name',
  'session_name',
  'last_log_line',
])

/** Connect states that proceed / wait / return at once (spec §6.3 Connect). */
const CONNECT_WAIT = new Set<number>([
  StatusMinor.CONN_DISCONNECTING,
  StatusMinor.CONN_PAUSING,
  StatusMinor.CONN_RECONNECTING,
  StatusMinor.CONN_RESUMING,
])
const CONNECT_NOOP = new Set<number>([
  StatusMinor.CONN_PAUSED,
  StatusMinor.CONN_CONNECTED,
  StatusMinor.CONN_CONNECTING,
  StatusMinor.CONN_AUTH_FAILED,
  StatusMinor.CONN_FAILED,
  StatusMinor.SESS_AUTH_CHALLENGE,
  StatusMinor.SESS_AUTH_URL,
])
/** Run states in which a client object is stale and dropped before a call (spec §6.4). */
const STALE = new Set<number>([
  StatusMinor.CFG_REQUIRE_USER,
  StatusMinor.CONN_DISCONNECTED,
  StatusMinor.CONN_FAILED,
])

let engineModules: Promise<[typeof ProfileEvalModule, typeof ProtocolModule]> | undefined

/**
 * The profile parser and the engine are loaded lazily: the process registers first and loads
 * them while the session manager handles the RegistrationRequest (start time, see bench/).
 */
export function loadEngineModules(): Promise<[typeof ProfileEvalModule, typeof ProtocolModule]> {
  engineModules ??= Promise.all([import('./profile-eval.js'), import('@openvpn3-ts/protocol')])
  return engineModules
}

const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms))

/**
 * Longest the connect path holds back its signals when the engine opens no transport (it
 * waits for input, or the remote cannot be reached).
 */
const FIRST_PACKET_WAIT_MS = 250

export class BackendClient {
  #init: BackendClientInit
  readonly #c: BackendClientComponents
  readonly #queue = new InputQueue()
  #object: ExportedObject<typeof backendClientInterface> | undefined
  #sessionMgr = ''
  #registered = false
  #sessionPath = '/__unknown'
  #configPath = ''
  #profile: EvaluatedProfile | undefined
  /** engine preparation started once the profile is evaluated (engine-prep.ts) */
  #prep: Promise<EnginePrep> | undefined
  #dco = false
  #status: Status = status(0, 0)
  /** run state: last minor that describes the connection (incl. SESS_AUTH_*) */
  #runMinor: number = StatusMinor.UNSET
  #engine: OpenVpnClient | undefined
  #engineRunning = false
  #tun: NetcfgTun | undefined
  #paused = false
  #pendingRequest: InputRequest | undefined
  #connection: [string, string, string, number] = ['', '', '', 0]
  #sessionName = ''
  #finished = false
  /**
   * Signals (StatusChange, Log, AttentionRequired) held back while the connect path runs, sent
   * in their order once the first packet is on its way (issue 6: marshalling them is most of
   * the connect path's CPU time). Undefined when signals go out at once.
   */
  #held: (() => void)[] | undefined
  /**
   * Why signals are held: until the first packet is out, or to the end of the current turn
   * (engine log lines: the engine's next netcfg call or packet in the same turn goes first).
   */
  #heldFor: 'first-packet' | 'turn' | undefined
  /** the logger as the engine events and the connect path use it (held like the signals) */
  readonly #log = {
    client: (category: number, text: string): void =>
      this.#signal(() => this.#c.log.client(category, text)),
  }
  #resolveDone!: (reason: string) => void
  /** Resolves with the reason once the process should exit. */
  readonly done: Promise<string>

  constructor(init: BackendClientInit, c: BackendClientComponents) {
    this.#init = init
    this.#c = c
    this.done = new Promise((r) => (this.#resolveDone = r))
  }

  /** True once RegistrationConfirmation succeeded. */
  get registered(): boolean {
    return this.#registered
  }

  get busName(): string {
    return `${BusName.backends}.be${process.pid}`
  }

  /** Sets the session token of a warm spare (before register()). */
  setToken(token: string): void {
    this.#init = { ...this.#init, token }
    this.#c.log.setToken(token)
  }

  /** Exports the object and connects the logger; call before owning the bus name. */
  async start(): Promise<void> {
    this.#object = this.#c.host.export(ObjectPath.backendSession, backendClientInterface, {
      methods: {
        RegistrationConfirmation: ({ token, session_path, config_path }) =>
          this.#registrationConfirmation(token, session_path, config_path),
        Ping: () => true,
        Ready: () => this.#ready(),
        Connect: () => this.#connect(),
        Pause: ({ reason }) => this.#pause(reason),
        Resume: () => this.#resume(),
        Restart: () => this.#restart(),
        Disconnect: () => this.#disconnect(),
        ForceShutdown: () => this.#forceShutdown(),
        UserInputQueueGetTypeGroup: () => this.#queue.typeGroups(),
        UserInputQueueCheck: ({ type, group }) => this.#queue.check(type, group),
        UserInputQueueFetch: ({ type, group, id }) => this.#queue.fetch(type, group, id),
        UserInputProvide: ({ type, group, id, value }) => this.#provide(type, group, id, value),
      },
      properties: {
        session_path: { get: () => this.#sessionPath },
        dco: {
          get: () => (this.#engine ? this.#tunName().includes('dco') : this.#dco),
          set: (v) => {
            this.#dco = v
          },
        },
        device_path: { get: () => this.#tun?.devicePath ?? '/' },
        device_name: { get: () => this.#tunName() },
        log_level: {
          get: () => this.#c.log.level,
          set: (v) => {
            if (v > MAX_LOG_LEVEL) throw new Error('Invalid log level')
            this.#c.log.level = v
          },
        },
        session_name: { get: () => this.#sessionName },
        connection: { get: () => this.#connection },
        statistics: { get: () => this.#statistics() },
        status: { get: () => [this.#status.major, this.#status.minor, this.#status.message] },
        last_log_line: { get: () => this.#c.log.lastLogLine() },
      },
      authorize: (req, ctx) =>
        this.#authorize(req.kind, req.kind === 'method' ? req.member : req.property, ctx.sender),
    })
    await this.#attachLog()
  }

  /**
   * Sends `RegistrationRequest(busname, token, pid)` to the session manager (spec §6.2 step 3).
   * `named` is the pending RequestName of our bus name: the session manager's owner is looked
   * up meanwhile, and the signal goes out once both are done.
   */
  async register(named?: Promise<unknown>): Promise<void> {
    const [owner] = await Promise.all([getNameOwner(this.#c.conn, BusName.sessions), named])
    if (!owner) throw new NoSessionManagerError(`${BusName.sessions} is not on the bus`)
    this.#sessionMgr = owner
    this.#object?.emit('RegistrationRequest', [this.busName, this.#init.token, process.pid], {
      destination: this.#sessionMgr,
    })
  }

  #targets(): string[] {
    const logService = this.#c.log.logService
    return [this.#sessionMgr, ...(logService ? [logService] : [])]
  }

  /** The logger attaches `…backends`; upstream also attaches `…sessions` (spec §6.1). */
  async #attachLog(): Promise<void> {
    await this.#c.log.connect(this.#c.conn)
    if (!this.#c.log.logService) return
    await proxy(this.#c.conn, BusName.log, ObjectPath.log, logServiceInterface)
      .Attach(InterfaceName.sessions)
      .catch(() => undefined)
  }

  async #authorize(kind: 'method' | 'get' | 'set', member: string, sender: string): Promise<void> {
    if (kind === 'get' && !RESTRICTED_GETS.has(member)) return
    if (sender === this.#sessionMgr) return
    // the session manager may have restarted: re-check who owns its name now
    const owner = await getNameOwner(this.#c.conn, BusName.sessions)
    if (owner !== undefined && owner === sender) {
      this.#sessionMgr = owner
      return
    }
    throw new AccessDeniedError('Access denied')
  }

  #tunName(): string {
    return this.#tun?.deviceName ?? ''
  }

  #statistics(): Record<string, bigint> {
    const s = this.#engine?.stats()
    if (!s) return {}
    const all: [string, number][] = [
      ['BYTES_IN', s.bytesIn],
      ['BYTES_OUT', s.bytesOut],
      ['PACKETS_IN', s.packetsIn],
      ['PACKETS_OUT', s.packetsOut],
      ['TUN_BYTES_IN', s.tunBytesIn],
      ['TUN_BYTES_OUT', s.tunBytesOut],
      ['TUN_PACKETS_IN', s.tunPacketsIn],
      ['TUN_PACKETS_OUT', s.tunPacketsOut],
      ['DECRYPT_ERROR', s.decryptErrors],
      ['REPLAY_ERROR', s.replayErrors],
      ['N_RECONNECT', s.reconnects],
    ]
    return Object.fromEntries(all.filter(([, v]) => v > 0).map(([k, v]) => [k, BigInt(v)]))
  }

  // ---------------------------------------------------------------------------------------
  // signals

  /** Sends a signal now, or queues it while the connect path holds signals back. */
  #signal(send: () => void): void {
    if (this.#held) this.#held.push(send)
    else send()
  }

  /** Sends the held signals in order; signals go out at once again. */
  #releaseSignals(): void {
    const held = this.#held
    this.#held = undefined
    this.#heldFor = undefined
    for (const send of held ?? []) send()
  }

  #emitStatus(s: Status): void {
    this.#status = s
    if (s.major === CONN || s.major === StatusMajor.SESSION) this.#runMinor = s.minor
    this.#signal(() =>
      this.#object?.emit('StatusChange', [s.major, s.minor, s.message], {
        destination: this.#targets(),
      })
    )
  }

  #attention(group: number, message: string): void {
    this.#signal(() =>
      this.#object?.emit('AttentionRequired', [CRED, group, message], {
        destination: this.#targets(),
      })
    )
  }

  // ---------------------------------------------------------------------------------------
  // registration (spec §6.2)

  async #registrationConfirmation(
    token: string,
    sessionPath: string,
    configPath: string
  ): Promise<string> {
    if (this.#registered) {
      throw new ServiceError(ErrorDomain.BE_REGISTRATION, 'Backend service is already registered')
    }
    if (token !== this.#init.token) {
      throw new ServiceError(ErrorDomain.BE_REGISTRATION, 'Invalid registration token')
    }
    this.#registered = true
    this.#sessionPath = sessionPath
    this.#configPath = configPath
    const assigned = this.#c.log.assignSession(sessionPath).catch(() => undefined)
    const [{ fetchProfile, evaluateProfile }] = await loadEngineModules()
    const [fetched] = await Promise.all([fetchProfile(this.#c.conn, configPath), assigned])
    this.#dco = fetched.dco
    try {
      this.#profile = evaluateProfile(fetched.text, fetched.overrides)
    } catch (err) {
      if (!(err instanceof ProfileEvaluationError)) throw err
      this.#emitStatus(
        status(
          CONN,
          StatusMinor.CFG_ERROR,
          `config_path=${configPath}, eval_message='${err.message}'`
        )
      )
      throw new ServiceError(ErrorDomain.CLIENT, `Configuration parsing failed: ${err.message}`, {
        cause: err,
      })
    }
    if (this.#profile.logLevel !== undefined) this.#c.log.level = this.#profile.logLevel
    this.#emitStatus(status(CONN, StatusMinor.CFG_OK, `config_path=${configPath}`))
    this.#prepareSlots(this.#profile)
    this.#prep = this.#startPrep(this.#profile)
    return fetched.name
  }

  /** Prepares the engine in the background (never rejects; see engine-prep.ts). */
  async #startPrep(profile: EvaluatedProfile): Promise<EnginePrep> {
    const [, protocol] = await loadEngineModules()
    return new EnginePrep(protocol, profile)
  }

  /** The engine preparation, for tests and benchmarks: settles once every step ran. */
  async prepared(): Promise<EnginePrep | undefined> {
    const prep = await this.#prep
    await prep?.done
    return prep
  }

  /** Slots the profile needs before Connect (spec §6.5 table). */
  #prepareSlots(p: EvaluatedProfile): void {
    if (p.needsUserPass && !this.#queue.has(G.USER_PASSWORD, 'username')) {
      this.#queue.add(CRED, G.USER_PASSWORD, 'username', 'Auth User name', false)
      this.#queue.add(CRED, G.USER_PASSWORD, 'password', 'Auth Password', true)
      if (p.staticChallenge) {
        this.#queue.add(
          CRED,
          G.CHALLENGE_STATIC,
          'static_challenge',
          p.staticChallenge.text,
          !p.staticChallenge.echo
        )
      }
      const msg = 'Username/password credentials needed'
      this.#attention(G.USER_PASSWORD, msg)
      this.#emitStatus(status(CONN, StatusMinor.CFG_REQUIRE_USER, msg))
    }
    if (p.keyEncrypted && !this.#queue.has(G.PK_PASSPHRASE, 'pk_passphrase')) {
      this.#queue.add(CRED, G.PK_PASSPHRASE, 'pk_passphrase', 'Private key passphrase', true)
      this.#attention(G.PK_PASSPHRASE, 'Private key passphrase needed')
      this.#emitStatus(
        status(CONN, StatusMinor.CFG_REQUIRE_USER, 'Private key passphrase needed to connect')
      )
    }
  }

  // ---------------------------------------------------------------------------------------
  // methods (spec §6.3)

  #ready(): void {
    if (this.#queue.pendingCount > 0) {
      throw new ServiceError(ErrorDomain.READY, 'Missing user credentials')
    }
    if (this.#runMinor === StatusMinor.SESS_AUTH_URL) {
      throw new ServiceError(ErrorDomain.READY, 'Pending web authentication')
    }
  }

  async #connect(): Promise<void> {
    if (!this.#registered || !this.#profile) throw notInit()
    if (this.#engine && STALE.has(this.#runMinor) && !this.#pendingRequest) {
      await this.#dropEngine()
    }
    if (this.#engine) {
      for (let i = 0; CONNECT_WAIT.has(this.#runMinor); i++) {
        if (i >= 5) {
          throw new ServiceError(
            ErrorDomain.CLIENT,
            'Session is changing connection state, but times out'
          )
        }
        await delay(1000)
      }
      if (CONNECT_NOOP.has(this.#runMinor) && !this.#pendingRequest) return
    }
    if (this.#queue.pendingCount > 0) {
      throw new ServiceError(ErrorDomain.CLIENT, 'Required user input not provided')
    }
    if (this.#engine && this.#pendingRequest) {
      // the engine waits for an answer (dynamic challenge, late credentials): hand it over
      this.#answerPending()
      return
    }
    await this.#startEngine()
  }

  #credentials(): Partial<EngineOptions> {
    const q = this.#queue
    const username = q.value(G.USER_PASSWORD, 'username')
    const password = q.value(G.USER_PASSWORD, 'password')
    const sc = q.value(G.CHALLENGE_STATIC, 'static_challenge')
    const pk = q.value(G.PK_PASSPHRASE, 'pk_passphrase')
    return {
      ...(username !== undefined ? { username } : {}),
      ...(password !== undefined ? { password } : {}),
      ...(sc !== undefined ? { staticChallengeResponse: sc } : {}),
      ...(pk !== undefined ? { keyPassphrase: pk } : {}),
    }
  }

  async #startEngine(): Promise<void> {
    const profile = this.#profile
    if (!profile) throw notInit()
    const tun = new NetcfgTun(
      {
        token: this.#init.token,
        dnsDisabled: profile.dnsDisabled,
        ...(profile.dnsScope ? { dnsScope: profile.dnsScope } : {}),
        ...(this.#init.disableProtectSocket ? { disableProtectSocket: true } : {}),
      },
      { conn: this.#c.conn, log: this.#c.log }
    )
    // Cleanup goes out at once (not waited for: the device is created after its reply, and
    // ProtectSocket too; netcfg's Establish waits for ProtectSocket, so it must not start
    // late). The first packet goes out before what can wait: the status and log signals of
    // the connect path and preparation steps not yet run.
    tun.startCleanup()
    let linkOpened: () => void = () => undefined
    const firstPacket = Promise.race([
      new Promise<void>((r) => (linkOpened = r)),
      delay(FIRST_PACKET_WAIT_MS),
    ])
    const [, { createClient, defaultLinkFactory }] = await loadEngineModules()
    const prep = await (this.#prep ??= this.#startPrep(profile))
    prep.holdUntil(firstPacket)
    this.#tun = tun
    const link: LinkFactory = async (remote, opts) => {
      const l =
        remote.proto === 'udp'
          ? await BatchedUdpLink.open(remote)
          : await defaultLinkFactory(remote, opts)
      tun.setRemoteAddress(l.remote.address)
      const fd = l instanceof BatchedUdpLink ? l.fd : linkSocketFd(l)
      await tun.protectLink(l.remote.address, l.remote.address.includes(':'), fd)
      // the engine sends its first packet now; the link sends at the end of the turn
      setImmediate(() => setImmediate(linkOpened))
      return l
    }
    const options = { ...profile.options, ...this.#credentials() }
    // imported and checked by the preparation already; logs why when it is not used
    const aead = await nativeAeadPorts(this.#log)
    const engine = (this.#c.createEngine ?? createClient)(options, {
      tun,
      link,
      ...aead,
      tlsContext: prep.tlsContext,
    })
    this.#engine = engine
    this.#engineRunning = true
    this.#paused = false
    engine.on((e) => this.#onEngineEvent(engine, e))
    // from here the connect path's signals wait for the first packet (the reply does not)
    this.#held ??= []
    this.#heldFor = 'first-packet'
    void firstPacket.then(() => {
      if (this.#heldFor === 'first-packet') this.#releaseSignals()
    })
    this.#emitStatus(status(CONN, StatusMinor.CFG_OK, `config_path=${this.#configPath}`))
    this.#log.client(LogCategory.INFO, 'Starting connection')
    setImmediate(() => {
      if (this.#engine !== engine) return
      this.#emitStatus(status(CONN, StatusMinor.CONN_CONNECTING))
      engine.start().catch((err: unknown) => {
        this.#log.client(
          LogCategory.FATAL,
          `Failed to start the VPN client: ${err instanceof Error ? err.message : String(err)}`
        )
      })
    })
  }

  async #dropEngine(): Promise<void> {
    this.#releaseSignals()
    const engine = this.#engine
    this.#engine = undefined
    this.#pendingRequest = undefined
    if (engine && this.#engineRunning) await engine.stop().catch(() => undefined)
    this.#engineRunning = false
    await this.#tun?.teardown(true)
  }

  async #pause(reason: string): Promise<void> {
    if (!this.#registered || !this.#engine) throw notInit()
    if (this.#paused) throw new ServiceError(ErrorDomain.CLIENT, 'Connection is already paused')
    this.#paused = true
    this.#emitStatus(status(CONN, StatusMinor.CONN_PAUSING, `Reason: ${reason}`))
    await this.#engine.pause(reason)
    this.#emitStatus(status(CONN, StatusMinor.CONN_PAUSED))
  }

  async #resume(): Promise<void> {
    if (!this.#registered || !this.#engine) throw notInit()
    if (!this.#paused) throw new ServiceError(ErrorDomain.CLIENT, 'Connection is not paused')
    this.#paused = false
    this.#emitStatus(status(CONN, StatusMinor.CONN_RESUMING))
    await this.#engine.resume()
  }

  async #restart(): Promise<void> {
    if (!this.#registered || !this.#engine) throw notInit()
    this.#emitStatus(status(CONN, StatusMinor.CONN_RECONNECTING))
    const wasPaused = this.#paused
    this.#paused = false
    if (!wasPaused) await this.#engine.pause('restart')
    await this.#engine.resume()
  }

  async #disconnect(): Promise<void> {
    this.#releaseSignals()
    if (this.#engine && this.#engineRunning) {
      this.#c.log.client(LogCategory.INFO, 'Stopping VPN client')
      this.#emitStatus(status(CONN, StatusMinor.CONN_DISCONNECTING))
      const engine = this.#engine
      await engine.stop().catch(() => undefined)
      await engine.done.catch(() => undefined)
      await this.#tun?.teardown(true)
    }
    this.#emitStatus(status(CONN, StatusMinor.CONN_DONE))
    setImmediate(() => this.#finish('Disconnect'))
  }

  #forceShutdown(): void {
    this.#releaseSignals()
    this.#emitStatus(status(CONN, StatusMinor.CONN_DONE))
    setImmediate(() => this.#finish('ForceShutdown'))
  }

  #provide(type: number, group: number, id: number, value: string): void {
    const slot = this.#queue.provide(type, group, id, value)
    if (slot.value !== undefined && slot.name !== 'username') this.#c.log.addSecret(slot.value)
    this.#signal(() => this.#c.log.proc(LogCategory.VERB1, `User input provided for ${slot.name}`))
    if (group === G.CHALLENGE_AUTH_PENDING && this.#pendingRequest?.kind === 'cr-text') {
      this.#answerPending()
    }
  }

  /** Hands queued answers to an engine that waits in `needs-input`. */
  #answerPending(): void {
    const req = this.#pendingRequest
    const engine = this.#engine
    if (!req || !engine) return
    this.#pendingRequest = undefined
    const q = this.#queue
    switch (req.kind) {
      case 'credentials':
      case 'static-challenge': {
        const c = this.#credentials()
        engine.provideInput({
          ...(c.username !== undefined ? { username: c.username } : {}),
          ...(c.password !== undefined ? { password: c.password } : {}),
          ...(c.staticChallengeResponse !== undefined
            ? { challengeResponse: c.staticChallengeResponse }
            : {}),
        })
        break
      }
      case 'dynamic-challenge': {
        const r = q.value(G.CHALLENGE_DYNAMIC, 'dynamic_challenge')
        engine.provideInput(r !== undefined ? { challengeResponse: r } : {})
        break
      }
      case 'cr-text': {
        const r = q.value(G.CHALLENGE_AUTH_PENDING, 'auth_pending')
        engine.provideInput(r !== undefined ? { challengeResponse: r } : {})
        break
      }
      case 'private-key-passphrase': {
        const r = q.value(G.PK_PASSPHRASE, 'pk_passphrase')
        engine.provideInput(r !== undefined ? { keyPassphrase: r } : {})
        break
      }
      case 'open-url':
        break
    }
  }

  // ---------------------------------------------------------------------------------------
  // engine events (spec §6.6)

  #onEngineEvent(engine: OpenVpnClient, e: ClientEvent): void {
    if (engine !== this.#engine) return
    // anything but progress (input wanted, connected, ended) goes out at once, after the held
    if (e.type !== 'log' && e.type !== 'status') this.#releaseSignals()
    else if (!this.#held) {
      // progress goes out at the end of this turn, after what the engine sends in it
      this.#held = []
      this.#heldFor = 'turn'
      setImmediate(() => {
        if (this.#heldFor === 'turn') this.#releaseSignals()
      })
    }
    const log = this.#log
    switch (e.type) {
      case 'log':
        log.client(logCategoryOf(e.level), e.message)
        break
      case 'status':
        switch (e.status) {
          case 'connecting':
            log.client(LogCategory.INFO, 'Connecting')
            if (this.#runMinor !== StatusMinor.CONN_CONNECTING) {
              this.#emitStatus(status(CONN, StatusMinor.CONN_CONNECTING))
            }
            break
          case 'reconnecting':
            this.#connection = ['', '', '', 0]
            // Restart already announced it
            if (!this.#paused && this.#runMinor !== StatusMinor.CONN_RECONNECTING) {
              this.#emitStatus(status(CONN, StatusMinor.CONN_RECONNECTING))
            }
            break
          case 'waiting-server':
          case 'authenticating':
          case 'getting-config':
            log.client(LogCategory.VERB1, `${e.status}: ${e.message}`)
            break
          case 'connected':
          case 'paused':
          case 'auth-failed':
          case 'disconnected':
            break
        }
        break
      case 'connected': {
        const r = e.remote
        const tun = this.#tun
        const c = e.config
        const ip = tun?.remoteAddress ?? r.host
        this.#connection = [r.proto, r.host, ip, r.port]
        this.#sessionName = r.host
        const gw =
          c.routeGateway ?? (c.topology === 'subnet' ? '' : (c.ifconfig?.remoteOrNetmask ?? ''))
        log.client(
          LogCategory.INFO,
          `Connected: ${r.host}:${r.port} (${ip}) via /${r.proto.toUpperCase()} on ${this.#tunName()}/${c.ifconfig?.local ?? ''}/${c.ifconfigIpv6?.local ?? ''} gw=[${gw}/] mtu=${c.tunMtu}`
        )
        this.#emitStatus(status(CONN, StatusMinor.CONN_CONNECTED))
        break
      }
      case 'needs-input':
        this.#onNeedsInput(e.request)
        break
      case 'disconnected': {
        this.#engineRunning = false
        this.#connection = ['', '', '', 0]
        const s = finalStatus(e.error)
        if (e.error) log.client(LogCategory.ERROR, `Connection failed: ${e.error.message}`)
        else log.client(LogCategory.INFO, 'Disconnected')
        this.#emitStatus(s)
        break
      }
    }
  }

  #onNeedsInput(req: InputRequest): void {
    this.#pendingRequest = req
    const q = this.#queue
    switch (req.kind) {
      case 'credentials':
      case 'static-challenge': {
        q.removeGroup(G.USER_PASSWORD)
        q.removeGroup(G.CHALLENGE_STATIC)
        const p = this.#profile
        if (p) this.#prepareSlots({ ...p, needsUserPass: true, keyEncrypted: false })
        break
      }
      case 'private-key-passphrase':
        q.removeGroup(G.PK_PASSPHRASE)
        if (this.#profile) {
          this.#prepareSlots({ ...this.#profile, needsUserPass: false, keyEncrypted: true })
        }
        break
      case 'dynamic-challenge':
        q.removeGroup(G.CHALLENGE_DYNAMIC)
        q.add(CRED, G.CHALLENGE_DYNAMIC, 'dynamic_challenge', req.text, !req.echo)
        q.add(CRED, G.CHALLENGE_DYNAMIC, 'dynamic_challenge_cookie', '', true, 'engine')
        this.#attention(G.CHALLENGE_DYNAMIC, req.text)
        this.#emitStatus(status(CONN, StatusMinor.CFG_REQUIRE_USER, 'Dynamic Challenge'))
        break
      case 'cr-text':
        q.removeGroup(G.CHALLENGE_AUTH_PENDING)
        q.add(CRED, G.CHALLENGE_AUTH_PENDING, 'auth_pending', req.text, !req.echo)
        this.#attention(G.CHALLENGE_AUTH_PENDING, req.text)
        this.#emitStatus(status(CONN, StatusMinor.CFG_REQUIRE_USER, req.text))
        this.#runMinor = StatusMinor.SESS_AUTH_CHALLENGE
        break
      case 'open-url':
        this.#pendingRequest = undefined
        this.#attention(G.OPEN_URL, req.url)
        this.#emitStatus(status(StatusMajor.SESSION, StatusMinor.SESS_AUTH_URL, req.url))
        break
    }
  }

  // ---------------------------------------------------------------------------------------
  // shutdown

  #finish(reason: string): void {
    if (this.#finished) return
    this.#finished = true
    this.#resolveDone(reason)
  }

  /** Stops the engine (exit notification), destroys the netcfg device, detaches the log. */
  async stop(): Promise<void> {
    this.#releaseSignals()
    this.#finish('stop')
    const engine = this.#engine
    if (engine && this.#engineRunning) {
      await Promise.race([engine.stop().catch(() => undefined), delay(3000)])
    }
    await this.#tun?.teardown(true)
    await this.#tun?.cleanup()
    if (this.#c.log.logService) {
      await proxy(this.#c.conn, BusName.log, ObjectPath.log, logServiceInterface)
        .Detach(InterfaceName.sessions)
        .catch(() => undefined)
    }
    await this.#c.log.close().catch(() => undefined)
  }
}
