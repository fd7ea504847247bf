/**
 * @module session/client
 * The public engine object: runs connection attempts over the remote list with back-off,
 * handles AUTH_FAILED / challenges / auth-token reuse / RESTART / HALT (spec §17), and reports
 * typed events and statistics. Knows nothing of D-Bus; reaches the OS only through the ports.
 *
 *   idle ─start()─► connecting ─► connected ─► reconnecting ─► connecting …
 *     ▲                 │  pause()/resume()        │ give up / HALT / auth failed
 *     └──── stop() ◄────┴──────────────────────────┴─► disconnected (final)
 */
import { randomInt } from 'node:crypto'
import type { DataCryptoFactory } from '../crypto/data-crypto.js'
import {
  AuthFailedError,
  ConnectAttemptsExhaustedError,
  HaltError,
  InvalidOptionsError,
  ProtocolError,
} from '../errors.js'
import { defaultLinkFactory } from '../link/default-link.js'
import type { Link, LinkFactory, RemoteEndpoint } from '../link/link.js'
import type { Tun } from '../link/tun.js'
import { type EngineOptions, type ResolvedEngineOptions, resolveEngineOptions } from '../options.js'
import {
  Connection,
  type ConnectedInfo,
  type ConnectionEnd,
  type Credentials,
  type LogLevel,
  type PendingAuth,
  type TlsContextSource,
} from './connection.js'
import { EventChannel } from './event-channel.js'
import type { NetworkConfig } from './network-config.js'
import { type EngineStats, newStats } from './stats.js'
import { createTlsWrap } from './tls-wrap-factory.js'

export type ClientStatus =
  | 'connecting'
  | 'waiting-server'
  | 'authenticating'
  | 'getting-config'
  | 'connected'
  | 'reconnecting'
  | 'paused'
  | 'auth-failed'
  | 'disconnected'

/** What the engine needs from the user (spec §17). Answer with `provideInput`. */
export type InputRequest =
  | { kind: 'credentials'; needUsername: boolean; needPassword: boolean }
  | { kind: 'static-challenge'; text: string; echo: boolean }
  | { kind: 'dynamic-challenge'; text: string; echo: boolean; responseRequired: boolean }
  | { kind: 'cr-text'; text: string; echo: boolean; responseRequired: boolean }
  | { kind: 'open-url'; url: string; flags: string }
  | { kind: 'private-key-passphrase' }

export interface InputResponse {
  username?: string
  password?: string
  /** Static challenge, dynamic (CRV1) challenge or CR_TEXT response. */
  challengeResponse?: string
  keyPassphrase?: string
}

export type ClientEvent =
  | { type: 'status'; status: ClientStatus; message: string }
  | { type: 'log'; level: LogLevel; message: string }
  | { type: 'needs-input'; request: InputRequest }
  | {
      type: 'connected'
      config: NetworkConfig
      remote: RemoteEndpoint
      cipher: string
      keyDerivation: 'tls-ekm' | 'prf'
      peerId: number | undefined
    }
  | { type: 'disconnected'; error?: ProtocolError }

export interface ClientPorts {
  tun: Tun
  /** Defaults to real UDP/TCP sockets. */
  link?: LinkFactory
  now?: () => number
  /** Data-channel crypto per negotiated key (default: node:crypto, see `createDataCrypto`). */
  dataCrypto?: DataCryptoFactory
  /** TLS secure contexts made ahead (see `createTlsContext`); default: built at each handshake. */
  tlsContext?: TlsContextSource
}

export interface OpenVpnClient {
  /** Starts connecting (idempotent while running). Resolves once started, not when connected. */
  start(): Promise<void>
  /** Disconnects (exit notification, link close, tun teardown). Resolves when fully stopped. */
  stop(): Promise<void>
  /** Drops the connection but keeps the session; `resume()` reconnects. */
  pause(reason?: string): Promise<void>
  resume(): Promise<void>
  /** Answers the last needs-input request. */
  provideInput(input: InputResponse): void
  /** Subscribes to events; returns an unsubscribe function. */
  on(listener: (event: ClientEvent) => void): () => void
  /** Async iterator over events from now on (ends after the final `disconnected`). */
  events(): AsyncIterableIterator<ClientEvent>
  /** Snapshot of the counters. */
  stats(): EngineStats
  readonly status: ClientStatus
  /** Resolves with the final error (undefined after a clean stop). */
  readonly done: Promise<ProtocolError | undefined>
}

/** `connect-retry` doubling starts after this many failures (spec §19.3). */
const RETRY_DOUBLING_AFTER = 5

class Client implements OpenVpnClient {
  private readonly opts: ResolvedEngineOptions
  private readonly channel = new EventChannel<ClientEvent>()
  private readonly counters = newStats()
  private readonly linkFactory: LinkFactory
  private current: Connection | undefined
  private loop: Promise<void> | undefined
  private stopping = false
  private paused = false
  private wake: (() => void) | undefined
  private inputWaiter: ((r: InputResponse) => void) | undefined
  private username: string | undefined
  private password: string | undefined
  private challengeResponse: string | undefined
  private authToken: { token: string; user?: string } | undefined
  private crv1: { stateId: string; username: string } | undefined
  private statusValue: ClientStatus = 'disconnected'
  private doneResolve!: (e: ProtocolError | undefined) => void
  readonly done: Promise<ProtocolError | undefined>

  constructor(
    options: EngineOptions,
    private readonly ports: ClientPorts
  ) {
    this.opts = resolveEngineOptions(options)
    this.linkFactory = ports.link ?? defaultLinkFactory
    this.username = this.opts.username
    this.password = this.opts.password
    this.challengeResponse = this.opts.staticChallengeResponse
    this.done = new Promise((r) => (this.doneResolve = r))
  }

  get status(): ClientStatus {
    return this.statusValue
  }

  on(listener: (event: ClientEvent) => void): () => void {
    return this.channel.subscribe(listener)
  }

  events(): AsyncIterableIterator<ClientEvent> {
    return this.channel.iterate((e) => e.type === 'disconnected')
  }

  stats(): EngineStats {
    return { ...this.counters }
  }

  private setStatus(status: ClientStatus, message: string): void {
    this.statusValue = status
    this.channel.emit({ type: 'status', status, message })
  }

  private log(level: LogLevel, message: string): void {
    this.channel.emit({ type: 'log', level, message })
  }

  async start(): Promise<void> {
    if (this.loop) return
    this.stopping = false
    this.loop = this.run().catch((err: unknown) => {
      const e = err instanceof ProtocolError ? err : new ProtocolError(String(err), { cause: err })
      this.finish(e)
    })
  }

  async stop(): Promise<void> {
    if (!this.loop) {
      if (!this.stopping) {
        this.stopping = true
        this.finish()
      }
      return
    }
    this.stopping = true
    this.wake?.()
    this.inputWaiter?.({})
    await this.current?.close()
    await this.loop
  }

  async pause(reason = 'paused'): Promise<void> {
    if (this.paused) return
    this.paused = true
    this.setStatus('paused', reason)
    await this.current?.close()
  }

  async resume(): Promise<void> {
    if (!this.paused) return
    this.paused = false
    this.setStatus('reconnecting', 'resuming')
    this.wake?.()
  }

  provideInput(input: InputResponse): void {
    if (input.username !== undefined) this.username = input.username
    if (input.password !== undefined) this.password = input.password
    if (input.challengeResponse !== undefined) this.challengeResponse = input.challengeResponse
    const w = this.inputWaiter
    this.inputWaiter = undefined
    w?.(input)
  }

  private askInput(request: InputRequest): Promise<InputResponse> {
    return new Promise((resolve) => {
      this.inputWaiter = resolve
      this.channel.emit({ type: 'needs-input', request })
    })
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.wake = undefined
        resolve()
      }, ms)
      this.wake = () => {
        clearTimeout(t)
        this.wake = undefined
        resolve()
      }
    })
  }

  private finish(error?: ProtocolError): void {
    this.setStatus(
      error instanceof AuthFailedError ? 'auth-failed' : 'disconnected',
      error?.message ?? 'stopped'
    )
    this.channel.emit(error ? { type: 'disconnected', error } : { type: 'disconnected' })
    this.channel.close()
    this.doneResolve(error)
  }

  /** Credentials for key method 2, asking for missing ones (spec §17.1–§17.4). */
  private async credentials(): Promise<Credentials | undefined> {
    if (this.authToken) {
      return {
        username: this.authToken.user ?? this.username ?? '',
        password: this.authToken.token,
      }
    }
    if (this.crv1) {
      const c = this.crv1
      this.crv1 = undefined
      return {
        username: c.username,
        password: `CRV1::${c.stateId}::${this.challengeResponse ?? ''}`,
      }
    }
    if (!this.opts.authUserPass) return undefined
    if (this.username === undefined || this.password === undefined) {
      await this.askInput({
        kind: 'credentials',
        needUsername: this.username === undefined,
        needPassword: this.password === undefined,
      })
      if (this.stopping) return undefined
    }
    const sc = this.opts.staticChallenge
    if (sc && this.challengeResponse === undefined) {
      await this.askInput({ kind: 'static-challenge', text: sc.text, echo: sc.echo })
      if (this.stopping) return undefined
    }
    const username = this.username ?? ''
    let password = this.password ?? ''
    if (sc) {
      const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')
      password =
        sc.format === 'concat'
          ? `${password}${this.challengeResponse ?? ''}`
          : `SCRV1:${b64(password)}:${b64(this.challengeResponse ?? '')}`
      this.challengeResponse = undefined
    }
    if (this.opts.authNoCache) this.password = undefined
    return { username, password }
  }

  private async run(): Promise<void> {
    const remotes = [...this.opts.remotes]
    if (this.opts.remoteRandom) {
      for (let i = remotes.length - 1; i > 0; i--) {
        const j = randomInt(i + 1)
        ;[remotes[i], remotes[j]] = [remotes[j] as RemoteEndpoint, remotes[i] as RemoteEndpoint]
      }
    }
    let remoteIndex = 0
    let failures = 0
    let passes = 0
    const maxPerRemote = this.opts.connectRetryMax
    let first = true
    for (;;) {
      if (this.stopping) return this.finish()
      if (this.paused) {
        await new Promise<void>((r) => (this.wake = r))
        continue
      }
      const remote = remotes[remoteIndex] as RemoteEndpoint
      if (!first) this.counters.reconnects += 1
      this.setStatus(
        first ? 'connecting' : 'reconnecting',
        `${remote.proto}://${remote.host}:${remote.port}`
      )
      first = false
      const end = await this.attempt(remote)
      if (this.stopping) return this.finish()
      let advance = false
      let delayMs = 0
      switch (end.kind) {
        case 'closed':
          continue // pause() or stop(): loop re-checks
        case 'halt':
          return this.finish(
            new HaltError(`server halted the session${end.message ? `: ${end.message}` : ''}`)
          )
        case 'restart':
          advance = end.advance
          if (!end.keepCredentials && !this.authToken) this.password = this.opts.password
          failures = 0
          break
        case 'auth-failed': {
          const r = end.reason
          if (this.authToken) {
            this.log('info', 'auth-token rejected; retrying with the real credentials')
            this.authToken = undefined
            break
          }
          if (r.startsWith('CRV1:')) {
            const [, flags = '', stateId = '', user64 = '', ...text] = r.split(':')
            const username = Buffer.from(user64, 'base64').toString('utf8')
            this.crv1 = { stateId, username }
            this.challengeResponse = undefined
            const input = await this.askInput({
              kind: 'dynamic-challenge',
              text: text.join(':'),
              echo: flags.split(',').includes('E'),
              responseRequired: flags.split(',').includes('R'),
            })
            if (this.stopping) return this.finish()
            this.challengeResponse = input.challengeResponse ?? ''
            break
          }
          if (r.startsWith('TEMP')) {
            const backoff = /backoff (\d+)/.exec(r)?.[1]
            delayMs = backoff ? Number(backoff) * 1000 : this.opts.connectRetry * 1000
            advance = /advance (addr|remote)/.test(r)
            break
          }
          if (this.opts.authRetry === 'none') return this.finish(new AuthFailedError(r))
          if (this.opts.authRetry === 'interact') {
            this.password = undefined
          }
          delayMs = this.opts.connectRetry * 1000
          break
        }
        case 'error': {
          this.log('warn', `connection failed: ${end.error.message}`)
          if (end.wasConnected) {
            // a working connection dropped: start over on the same remote
            failures = 0
            passes = 0
          } else {
            failures += 1
            // `connect-retry-max N`: every remote is tried N times (one pass = each remote once)
            if (remoteIndex === remotes.length - 1) passes += 1
            if (maxPerRemote !== undefined && passes >= maxPerRemote) {
              return this.finish(
                new ConnectAttemptsExhaustedError(
                  `giving up after ${maxPerRemote} attempt(s) per remote: ${end.error.message}`,
                  { cause: end.error }
                )
              )
            }
            advance = remotes.length > 1
          }
          const base = this.opts.connectRetry * 1000
          const doubling = Math.max(0, failures - RETRY_DOUBLING_AFTER)
          delayMs = Math.min(base * 2 ** doubling, this.opts.connectRetryMaxDelay * 1000)
          break
        }
      }
      if (advance) remoteIndex = (remoteIndex + 1) % remotes.length
      if (delayMs > 0) await this.sleep(delayMs)
    }
  }

  private async attempt(remote: RemoteEndpoint): Promise<ConnectionEnd> {
    if (this.opts.key?.includes('ENCRYPTED') && this.opts.keyPassphrase === undefined) {
      const r = await this.askInput({ kind: 'private-key-passphrase' })
      if (r.keyPassphrase === undefined) {
        return {
          kind: 'error',
          error: new InvalidOptionsError('private key passphrase required'),
          wasConnected: false,
        }
      }
      ;(this.opts as { keyPassphrase?: string }).keyPassphrase = r.keyPassphrase
    }
    const credentials = await this.credentials()
    if (this.stopping) return { kind: 'closed' }
    let link: Link
    try {
      link = await this.linkFactory(remote, {})
    } catch (err) {
      const error =
        err instanceof ProtocolError ? err : new ProtocolError(String(err), { cause: err })
      return { kind: 'error', error, wasConnected: false }
    }
    const conn = new Connection({
      opts: this.opts,
      link,
      tun: this.ports.tun,
      wrap: createTlsWrap(this.opts),
      credentials,
      stats: this.counters,
      ...(this.ports.now ? { now: this.ports.now } : {}),
      ...(this.ports.dataCrypto ? { dataCrypto: this.ports.dataCrypto } : {}),
      ...(this.ports.tlsContext ? { tlsContext: this.ports.tlsContext } : {}),
      hooks: {
        log: (level, message) => this.log(level, message),
        progress: (step) =>
          this.setStatus(
            step === 'wait'
              ? 'waiting-server'
              : step === 'auth'
                ? 'authenticating'
                : 'getting-config',
            `${remote.host}:${remote.port}`
          ),
        pendingAuth: (req: PendingAuth) => {
          if (req.kind === 'open-url') {
            this.channel.emit({ type: 'needs-input', request: req })
          } else {
            void this.askInput({
              kind: 'cr-text',
              text: req.text,
              echo: req.echo,
              responseRequired: req.responseRequired,
            }).then((r) => conn.sendCrResponse(r.challengeResponse ?? ''))
          }
        },
        renegotiationCredentials: () => {
          if (this.authToken) {
            return {
              username: this.authToken.user ?? credentials?.username ?? '',
              password: this.authToken.token,
            }
          }
          return this.opts.authNoCache ? undefined : credentials
        },
        authToken: (token, user) => {
          this.authToken = user !== undefined ? { token, user } : { token }
          this.log('debug', 'received auth-token')
        },
      },
    })
    this.current = conn
    if (this.stopping || this.paused) {
      await link.close()
      return { kind: 'closed' }
    }
    void conn.connected.then((info: ConnectedInfo) => {
      this.setStatus('connected', `${remote.host}:${remote.port} ${info.cipher}`)
      this.channel.emit({
        type: 'connected',
        config: info.network,
        remote,
        cipher: info.cipher,
        keyDerivation: info.keyDerivation,
        peerId: info.peerId,
      })
    })
    const end = await conn.run()
    this.current = undefined
    await this.ports.tun.teardown(this.stopping).catch(() => undefined)
    return end
  }
}

/**
 * Creates an OpenVPN client engine.
 * @example
 * const client = createClient({ remotes: [{ host: '192.0.2.1', port: 1194, proto: 'udp' }], ca, cert, key },
 *                             { tun: myTun })
 * client.on((e) => console.log(e))
 * await client.start()
 */
export function createClient(options: EngineOptions, ports: ClientPorts): OpenVpnClient {
  return new Client(options, ports)
}
