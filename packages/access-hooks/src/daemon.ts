/**
 * The access daemon: attaches to an OpenVPN 2.6 server's management interface
 * (`management-client-auth`), decides every CONNECT/REAUTH through the event chain, records
 * sessions and accounting, enforces session time with `client-kill`, runs connect/disconnect
 * scripts at ESTABLISHED/DISCONNECT, and recovers from a lost management connection.
 * Follows spec sections 1, 2.3–2.7, 4.2 (pattern 3), 6.2, 6.3, 7 and 10.
 *
 * Decisions are never sent blindly after a reconnect: an undelivered decision is re-sent only if
 * the same server process (pid) still lists that CID at the same real address in `status 3`.
 */
import { randomBytes } from 'node:crypto'
import { CHALLENGE_TTL_MS, PENDING_AUTH_TIMEOUT_S } from './constants.js'
import type { Chain, ChainResult } from './chain/chain.js'
import type { AuthContext } from './chain/types.js'
import type { AccessConfig } from './config.js'
import { ManagementCommandError } from './errors.js'
import type { LoadedEvents } from './events-module.js'
import { identityFromEnv } from './identity.js'
import type { Logger } from './logger.js'
import { ManagementClient, type ManagementEndpoint } from './mgmt/client.js'
import {
  clientAuth,
  clientAuthNt,
  clientDeny,
  clientKill,
  clientPendingAuth,
  crv1Challenge,
  parseCrv1Response,
} from './mgmt/commands.js'
import type { ClientEvent, Notification } from './mgmt/notifications.js'
import { parseStatus3, type StatusClient } from './mgmt/status.js'
import { PasswordPool } from './password-pool.js'
import { buildChain, newContext } from './policy.js'
import { runScript, vpnEnv } from './scripts.js'
import type { SessionRecord, Store } from './store/types.js'

export interface AccessDaemonInit {
  config: AccessConfig
  store: Store
  logger: Logger
  events?: LoadedEvents | undefined
  managementPassword?: string | undefined
  /** Poll interval for admin kill requests in the store. */
  killPollMs?: number
}

interface Tracked {
  cid: number
  username: string
  commonName: string
  sourceIp: string
  sourcePort: number
  sessionId: number
  startedAt: number
  expiresAt: number | null
  established: boolean
  vpnIp4: string
  vpnIp6: string
  endReason?: string
  killTimer?: NodeJS.Timeout
}

interface Undelivered {
  /** Management connection epoch in which the event arrived. */
  epoch: number
  /** performance.now() when the event arrived (decision latency). */
  receivedAt: number
  cid: number
  kid: number
  text: string
  realIp: string
  realPort: number
  serverPid: number
  sessionId: number | undefined
}

interface PendingCr {
  username: string
  createdAt: number
}

export interface DaemonStats {
  connects: number
  reauths: number
  accepted: number
  denied: number
  challenged: number
  malformed: number
  resent: number
  dropped: number
}

const LATENCY_SAMPLES = 10_000

const nowS = () => Math.floor(Date.now() / 1000)

export class AccessDaemon {
  readonly mgmt: ManagementClient
  readonly stats: DaemonStats = {
    connects: 0,
    reauths: 0,
    accepted: 0,
    denied: 0,
    challenged: 0,
    malformed: 0,
    resent: 0,
    dropped: 0,
  }
  #chain: Chain
  #pool: PasswordPool | undefined
  #clients = new Map<number, Tracked>()
  #pendingCr = new Map<string, PendingCr>()
  #undelivered = new Map<string, Undelivered>()
  #serverPid = 0
  #ready = false
  #killPoll: NodeJS.Timeout | undefined
  #listeners: ((n: Notification) => void)[] = []
  #perClient = new Map<number, Promise<void>>()
  /** Bumped at every attach and detach; decisions from another epoch are checked first. */
  #epoch = 0
  #eventEpoch = new WeakMap<ClientEvent, number>()
  #eventTime = new WeakMap<ClientEvent, number>()
  #latencies: number[] = []
  #latencyNext = 0
  #afterAttach: Undelivered[] = []

  constructor(private readonly init: AccessDaemonInit) {
    const m = init.config.management
    if (!m) throw new Error('management endpoint missing from configuration')
    const endpoint: ManagementEndpoint = m.socket
      ? { kind: 'unix', path: m.socket }
      : { kind: 'tcp', host: m.host ?? '127.0.0.1', port: m.port ?? 0 }
    this.mgmt = new ManagementClient({
      endpoint,
      password: init.managementPassword,
      logger: init.logger,
      commandTimeoutMs: m.commandTimeoutMs,
    })
    this.#pool =
      init.config.passwordWorkers > 0 ? new PasswordPool(init.config.passwordWorkers) : undefined
    this.#chain = buildChain(init.config, init.events, this.#pool?.verify)
    this.mgmt.on('notification', (n) => this.#onNotification(n))
    this.mgmt.on('attached', ({ held }) => void this.#onAttached(held))
    this.mgmt.on('detached', () => {
      this.#ready = false
      this.#epoch += 1
      init.logger.warn('management connection lost; reconnecting')
    })
    this.mgmt.on('malformed', ({ line, reason }) => {
      this.stats.malformed += 1
      init.logger.warn(`ignored management input (${reason}): ${line.slice(0, 120)}`)
    })
  }

  get serverId(): string {
    return this.init.config.serverId
  }

  /** True once attached and reconciled. */
  get ready(): boolean {
    return this.#ready
  }

  /** Observe every notification (tests, pass-through). */
  onNotification(fn: (n: Notification) => void): void {
    this.#listeners.push(fn)
  }

  start(): void {
    this.mgmt.start()
    this.#killPoll = setInterval(() => void this.#pollKills(), this.init.killPollMs ?? 1000)
  }

  async stop(): Promise<void> {
    clearInterval(this.#killPoll)
    for (const t of this.#clients.values()) clearTimeout(t.killTimer)
    await this.mgmt.close()
    await this.#pool?.close()
  }

  // ---- attach / reconcile -------------------------------------------------------------------

  async #onAttached(held: boolean): Promise<void> {
    const log = this.init.logger
    this.#epoch += 1
    try {
      if (held) await this.mgmt.command('hold release')
      const pidLine = (await this.mgmt.command('pid'))[0] ?? ''
      const pid = Number(/pid=(\d+)/.exec(pidLine)?.[1] ?? 0)
      const status = parseStatus3(await this.mgmt.command('status 3', { multiline: true }))
      this.#serverPid = pid
      await this.#reconcile(status.clients)
      const bc = this.init.config.management?.bytecountIntervalS ?? 0
      if (bc > 0) await this.mgmt.command(`bytecount ${bc}`)
      this.#ready = true
      const queued = this.#afterAttach
      this.#afterAttach = []
      for (const u of queued) await this.#deliver(u)
      log.info(`attached to OpenVPN server pid ${pid} (${status.clients.length} clients listed)`)
    } catch (e) {
      log.error(`attach sequence failed: ${(e as Error).message}`)
    }
  }

  async #reconcile(listed: StatusClient[]): Promise<void> {
    const byCid = new Map(listed.map((c) => [c.cid, c]))
    const serverId = this.init.config.serverId
    const store = this.init.store
    // 1. Undelivered decisions: re-send only to the same process, same CID, same real address.
    const resend: Undelivered[] = []
    const pending = [...this.#undelivered.values()]
    this.#undelivered.clear()
    for (const u of pending) {
      const c = byCid.get(u.cid)
      const same =
        u.serverPid === this.#serverPid &&
        c !== undefined &&
        sameAddress(c.realAddress, u.realIp, u.realPort)
      if (same) {
        resend.push(u)
        continue
      }
      this.stats.dropped += 1
      if (u.sessionId !== undefined) {
        this.#clients.delete(u.cid)
        await store.closeSession(u.sessionId, { endedAt: nowS(), reason: 'decision not delivered' })
      }
    }
    // 2. Sessions the store believes open on this server.
    const open = await store.listSessions({ serverId, activeOnly: true, limit: 100_000 })
    const known = new Set<number>()
    for (const s of open) {
      const c = s.cid === null ? undefined : byCid.get(s.cid)
      if (
        s.serverPid !== this.#serverPid ||
        c === undefined ||
        !sameAddress(c.realAddress, s.sourceIp, s.sourcePort)
      ) {
        this.#clients.delete(s.cid ?? -1)
        await store.closeSession(s.id, {
          endedAt: nowS(),
          reason: 'ended while detached (counters lost)',
        })
        continue
      }
      known.add(c.cid)
      if (this.#clients.has(c.cid)) continue
      this.#track(s, c)
      const t = this.#clients.get(c.cid)
      // Established while we were away: record it and run the connect hook late.
      if (t && s.state === 'authorised' && c.virtualAddress !== '')
        await this.#established(t, s.sourceIp)
    }
    for (const u of resend) {
      this.stats.resent += 1
      known.add(u.cid)
      await this.#deliver(u)
    }
    // 3. Instances nobody authorised (their CONNECT was lost while detached): restart them now
    //    instead of letting them wait for the auth window to expire.
    for (const c of listed) {
      if (known.has(c.cid) || this.#clients.has(c.cid)) continue
      this.init.logger.info(
        `restarting client ${c.cid} (${c.realAddress}) whose authorisation was lost`
      )
      await this.mgmt
        .command(clientKill(c.cid))
        .catch((e: Error) => this.init.logger.debug(e.message))
    }
  }

  #track(s: SessionRecord, c: StatusClient): void {
    const t: Tracked = {
      cid: c.cid,
      username: s.username,
      commonName: s.commonName,
      sourceIp: s.sourceIp,
      sourcePort: s.sourcePort,
      sessionId: s.id,
      startedAt: s.startedAt,
      expiresAt: s.expiresAt,
      established: s.state === 'active',
      vpnIp4: s.vpnIp4 || c.virtualAddress,
      vpnIp6: s.vpnIp6 || c.virtualAddress6,
    }
    this.#clients.set(c.cid, t)
    if (t.established) this.#armTimer(t)
  }

  // ---- notifications ------------------------------------------------------------------------

  #onNotification(n: Notification): void {
    for (const fn of this.#listeners) fn(n)
    const run = (p: Promise<void>) =>
      void p.catch((e: Error) => this.init.logger.error(`handling ${n.kind} failed: ${e.message}`))
    switch (n.kind) {
      case 'client': {
        this.#eventEpoch.set(n, this.#epoch)
        this.#eventTime.set(n, performance.now())
        // Events of one client are handled in order; different clients run concurrently.
        const prev = this.#perClient.get(n.cid) ?? Promise.resolve()
        const next = prev.then(() => this.#onClient(n))
        const settled = next.catch(() => undefined)
        this.#perClient.set(n.cid, settled)
        void settled.then(() => {
          if (this.#perClient.get(n.cid) === settled) this.#perClient.delete(n.cid)
        })
        run(next)
        break
      }
      case 'bytecount': {
        const t = this.#clients.get(n.cid)
        if (t) run(this.init.store.updateBytes(t.sessionId, n.bytesIn, n.bytesOut))
        break
      }
      case 'address': {
        const t = this.#clients.get(n.cid)
        if (t && n.primary) {
          if (n.address.includes(':')) t.vpnIp6 ||= n.address
          else if (/^\d+\.\d+\.\d+\.\d+$/.test(n.address)) t.vpnIp4 ||= n.address
        }
        break
      }
      case 'fatal':
        this.init.logger.error(`server reported fatal error: ${n.text}`)
        break
      case 'info':
      case 'hold':
      case 'log':
      case 'state':
      case 'echo':
      case 'password':
      case 'bytecount-total':
      case 'updown':
      case 'other':
        break
    }
  }

  async #onClient(ev: ClientEvent): Promise<void> {
    switch (ev.event) {
      case 'CONNECT':
        this.stats.connects += 1
        return this.#onConnect(ev)
      case 'REAUTH':
        this.stats.reauths += 1
        return this.#onReauth(ev)
      case 'ESTABLISHED':
        return this.#onEstablished(ev)
      case 'DISCONNECT':
        return this.#onDisconnect(ev)
      case 'CR_RESPONSE':
        return this.#onCrResponse(ev)
    }
  }

  #identity(ev: ClientEvent) {
    return identityFromEnv(ev.env, {
      cid: ev.cid,
      ...(ev.kid !== undefined ? { kid: ev.kid } : {}),
      realmSeparator: this.init.config.realmSeparator,
    })
  }

  async #onConnect(ev: ClientEvent): Promise<void> {
    const kid = ev.kid ?? 0
    const client = this.#identity(ev)
    if (ev.overflow) {
      return this.#deny(
        ev,
        client.sourceIp,
        client.sourcePort,
        'ENV block exceeded limits',
        'authentication failed'
      )
    }
    const password = ev.env.password
    const crv1 = password === undefined ? undefined : parseCrv1Response(password)
    let ctx: AuthContext
    if (crv1) {
      const ch = await this.init.store.takeChallenge(crv1.stateId)
      if (!ch || Date.now() - ch.createdAt > CHALLENGE_TTL_MS || ch.username !== ev.env.username) {
        return this.#deny(
          ev,
          client.sourceIp,
          client.sourcePort,
          'unknown or expired CRV1 state',
          'challenge expired'
        )
      }
      ctx = newContext(client, this.init.store, {
        firstFactorDone: true,
        otpResponse: crv1.response,
      })
    } else {
      ctx = newContext(client, this.init.store, { password })
    }
    const result = await this.#chain.run(ctx)
    await this.#apply(ev, kid, ctx, result)
  }

  async #apply(ev: ClientEvent, kid: number, ctx: AuthContext, result: ChainResult): Promise<void> {
    const { client } = ctx
    const v = result.verdict
    switch (v.type) {
      case 'accept':
        return this.#accept(ev, kid, ctx)
      case 'deny':
        this.init.logger.info(
          `deny cid ${ev.cid} user "${client.username}" by ${result.by}: ${v.reason}`
        )
        return this.#deny(
          ev,
          client.sourceIp,
          client.sourcePort,
          v.reason,
          v.clientReason ?? 'authentication failed'
        )
      case 'challenge': {
        this.stats.challenged += 1
        const method = this.init.config.totp?.method ?? 'auto'
        const crtext = method === 'crtext' || (method === 'auto' && client.sso.includes('crtext'))
        if (crtext && ev.event === 'CONNECT') {
          this.#pendingCr.set(`${ev.cid}:${kid}`, {
            username: ev.env.username ?? '',
            createdAt: Date.now(),
          })
          const flags = v.echo ? 'R,E' : 'R'
          await this.#send({
            epoch: this.#epochOf(ev),
            receivedAt: this.#timeOf(ev),
            cid: ev.cid,
            kid,
            text: clientPendingAuth(
              ev.cid,
              kid,
              `CR_TEXT:${flags}:${v.text}`,
              PENDING_AUTH_TIMEOUT_S
            ),
            realIp: client.sourceIp,
            realPort: client.sourcePort,
            serverPid: this.#pidOf(ev),
            sessionId: undefined,
          })
          return
        }
        const stateId = randomBytes(12).toString('hex')
        await this.init.store.saveChallenge({
          stateId,
          username: ev.env.username ?? '',
          createdAt: Date.now(),
        })
        this.stats.denied -= 1 // counted as challenge, not a denial
        return this.#deny(
          ev,
          client.sourceIp,
          client.sourcePort,
          'second factor required (CRV1)',
          crv1Challenge(stateId, ev.env.username ?? '', v.text, v.echo)
        )
      }
    }
  }

  #epochOf(ev: ClientEvent): number {
    return this.#eventEpoch.get(ev) ?? -1
  }

  #timeOf(ev: ClientEvent): number {
    return this.#eventTime.get(ev) ?? performance.now()
  }

  /**
   * Decision latencies in ms (event received → server acknowledged the decision), the last
   * LATENCY_SAMPLES decisions.
   */
  latencies(): number[] {
    return [...this.#latencies]
  }

  #pidOf(ev: ClientEvent): number {
    return Number(ev.env.daemon_pid ?? 0) || this.#serverPid
  }

  async #accept(ev: ClientEvent, kid: number, ctx: AuthContext): Promise<void> {
    const c = ctx.client
    const startedAt = nowS()
    // Rounded up so a session never gets less than its allowance.
    const expiresAt =
      ctx.allowanceS === undefined ? null : Math.ceil(Date.now() / 1000) + ctx.allowanceS
    const serverPid = this.#pidOf(ev)
    const stale = this.#clients.get(ev.cid)
    if (stale) {
      // The server reused a CID without a DISCONNECT we saw (e.g. a restart while detached).
      clearTimeout(stale.killTimer)
      await this.init.store.closeSession(stale.sessionId, {
        endedAt: nowS(),
        reason: 'superseded (CID reused by the server)',
      })
    }
    const sessionId = await this.init.store.openSession({
      serverId: this.init.config.serverId,
      serverPid,
      connKey: `mgmt:${ev.cid}`,
      cid: ev.cid,
      username: ctx.user?.username ?? c.username,
      commonName: c.commonName,
      sourceIp: c.sourceIp,
      sourcePort: c.sourcePort,
      startedAt,
      expiresAt,
    })
    this.#clients.set(ev.cid, {
      cid: ev.cid,
      username: ctx.user?.username ?? c.username,
      commonName: c.commonName,
      sourceIp: c.sourceIp,
      sourcePort: c.sourcePort,
      sessionId,
      startedAt,
      expiresAt,
      established: false,
      vpnIp4: '',
      vpnIp6: '',
    })
    this.stats.accepted += 1
    this.init.logger.info(`accept cid ${ev.cid} user "${c.username}" session ${sessionId}`)
    const text = ctx.config.length ? clientAuth(ev.cid, kid, ctx.config) : clientAuthNt(ev.cid, kid)
    await this.#send({
      epoch: this.#epochOf(ev),
      receivedAt: this.#timeOf(ev),
      cid: ev.cid,
      kid,
      text,
      realIp: c.sourceIp,
      realPort: c.sourcePort,
      serverPid,
      sessionId,
    })
  }

  async #deny(
    ev: ClientEvent,
    ip: string,
    port: number,
    reason: string,
    clientReason: string
  ): Promise<void> {
    this.stats.denied += 1
    const kid = ev.kid ?? 0
    await this.#send({
      epoch: this.#epochOf(ev),
      receivedAt: this.#timeOf(ev),
      cid: ev.cid,
      kid,
      text: clientDeny(ev.cid, kid, reason, clientReason),
      realIp: ip,
      realPort: port,
      serverPid: this.#pidOf(ev),
      sessionId: undefined,
    })
  }

  /**
   * Send a decision. A decision for an event of the current connection goes out (after the
   * attach sequence if that is still running); one for an event of an earlier connection is
   * checked against `status 3` first, or kept for the next reconcile while detached.
   */
  async #send(u: Undelivered): Promise<void> {
    if (u.epoch === this.#epoch) {
      if (this.#ready) return this.#deliver(u)
      this.#afterAttach.push(u)
      return
    }
    if (!this.#ready) {
      this.#undelivered.set(`${u.cid}:${u.kid}`, u)
      return
    }
    let listed: StatusClient[] = []
    try {
      listed = parseStatus3(await this.mgmt.command('status 3', { multiline: true })).clients
    } catch {
      this.#undelivered.set(`${u.cid}:${u.kid}`, u)
      return
    }
    const c = listed.find((x) => x.cid === u.cid)
    if (u.serverPid === this.#serverPid && c && sameAddress(c.realAddress, u.realIp, u.realPort)) {
      this.stats.resent += 1
      return this.#deliver(u)
    }
    this.stats.dropped += 1
    if (u.sessionId !== undefined) {
      this.#clients.delete(u.cid)
      await this.init.store.closeSession(u.sessionId, {
        endedAt: nowS(),
        reason: 'decision not delivered',
      })
    }
  }

  async #deliver(u: Undelivered): Promise<void> {
    const key = `${u.cid}:${u.kid}`
    try {
      await this.mgmt.command(u.text)
      const ms = performance.now() - u.receivedAt
      if (this.#latencies.length < LATENCY_SAMPLES) this.#latencies.push(ms)
      else this.#latencies[this.#latencyNext] = ms
      this.#latencyNext = (this.#latencyNext + 1) % LATENCY_SAMPLES
    } catch (e) {
      if (e instanceof ManagementCommandError) {
        // The server no longer knows this client (it left, or the window expired).
        this.init.logger.info(`decision for cid ${u.cid} refused: ${e.message}`)
        if (u.sessionId !== undefined) {
          this.#clients.delete(u.cid)
          await this.init.store.closeSession(u.sessionId, {
            endedAt: nowS(),
            reason: 'decision refused by server',
          })
        }
        return
      }
      this.#undelivered.set(key, u)
    }
  }

  async #onReauth(ev: ClientEvent): Promise<void> {
    const kid = ev.kid ?? 0
    const client = this.#identity(ev)
    let t = this.#clients.get(ev.cid)
    if (!t) {
      const s = await this.init.store.findOpenSession(this.init.config.serverId, `mgmt:${ev.cid}`)
      if (s && s.serverPid === this.#pidOf(ev) && s.sourceIp === client.sourceIp) {
        this.#track(s, {
          cid: ev.cid,
          realAddress: `${s.sourceIp}:${s.sourcePort}`,
          virtualAddress: ev.env.ifconfig_pool_remote_ip ?? '',
          virtualAddress6: ev.env.ifconfig_pool_remote_ip6 ?? '',
        } as StatusClient)
        t = this.#clients.get(ev.cid)
      }
    }
    if (!t)
      return this.#deny(
        ev,
        client.sourceIp,
        client.sourcePort,
        'REAUTH of an unknown session',
        'session unknown'
      )
    const user = await this.init.store.getUser(t.username)
    if (this.init.config.password.enabled && (!user || user.disabled)) {
      t.endReason = 'user removed or disabled'
      return this.#deny(
        ev,
        client.sourceIp,
        client.sourcePort,
        `user "${t.username}" removed or disabled`,
        'access revoked'
      )
    }
    if (t.expiresAt !== null && nowS() >= t.expiresAt) {
      t.endReason = 'session time limit reached'
      return this.#deny(
        ev,
        client.sourceIp,
        client.sourcePort,
        'session time limit reached',
        'session time limit reached'
      )
    }
    await this.#send({
      epoch: this.#epochOf(ev),
      receivedAt: this.#timeOf(ev),
      cid: ev.cid,
      kid,
      text: clientAuthNt(ev.cid, kid),
      realIp: client.sourceIp,
      realPort: client.sourcePort,
      serverPid: this.#pidOf(ev),
      sessionId: undefined,
    })
  }

  async #onCrResponse(ev: ClientEvent): Promise<void> {
    const kid = ev.kid ?? 0
    const key = `${ev.cid}:${kid}`
    const pending = this.#pendingCr.get(key)
    this.#pendingCr.delete(key)
    const client = this.#identity(ev)
    if (!pending || Date.now() - pending.createdAt > CHALLENGE_TTL_MS) {
      return this.#deny(
        ev,
        client.sourceIp,
        client.sourcePort,
        'unexpected CR_RESPONSE',
        'challenge expired'
      )
    }
    const response = Buffer.from(ev.response ?? '', 'base64').toString('utf8')
    const ctx = newContext(client, this.init.store, {
      firstFactorDone: true,
      otpResponse: response,
    })
    const result = await this.#chain.run(ctx)
    if (result.verdict.type === 'challenge') {
      return this.#deny(
        ev,
        client.sourceIp,
        client.sourcePort,
        'challenge repeated',
        'authentication failed'
      )
    }
    await this.#apply(ev, kid, ctx, result)
  }

  async #onEstablished(ev: ClientEvent): Promise<void> {
    const t = this.#clients.get(ev.cid)
    if (!t) return
    t.vpnIp4 = ev.env.ifconfig_pool_remote_ip ?? t.vpnIp4
    t.vpnIp6 = ev.env.ifconfig_pool_remote_ip6 ?? t.vpnIp6
    await this.#established(t, ev.env.trusted_ip ?? ev.env.trusted_ip6 ?? t.sourceIp)
  }

  async #established(t: Tracked, originatingIp: string): Promise<void> {
    t.established = true
    await this.init.store.markActive(t.sessionId, t.vpnIp4, t.vpnIp6)
    this.#armTimer(t)
    const sc = this.init.config.scripts
    if (!sc?.connect) return
    const env = vpnEnv(
      {
        event: 'C',
        userId: t.username,
        profileId: sc.profileId,
        connectionId: t.commonName || t.username,
        ip4: t.vpnIp4,
        ip6: t.vpnIp6,
        originatingIp,
        serverId: this.init.config.serverId,
        sessionId: t.sessionId,
      },
      sc.env
    )
    const r = await runScript(sc.connect, env, sc.timeoutMs)
    if (r.code !== 0) {
      // Pattern 3 of spec 4.2: the VPN address is only known now, so reject post-facto.
      const why = r.timedOut
        ? 'connect script timed out'
        : `connect script exited with ${r.code ?? r.signal}`
      this.init.logger.info(
        `kill cid ${t.cid}: ${why}${r.stderr ? ` (${r.stderr.slice(0, 200)})` : ''}`
      )
      t.endReason = 'rejected by connect script'
      await this.#kill(t.cid, 'HALT,access rejected')
    }
  }

  async #onDisconnect(ev: ClientEvent): Promise<void> {
    const t = this.#clients.get(ev.cid)
    for (const key of this.#pendingCr.keys())
      if (key.startsWith(`${ev.cid}:`)) this.#pendingCr.delete(key)
    if (!t) return
    this.#clients.delete(ev.cid)
    clearTimeout(t.killTimer)
    const bytesIn = Number(ev.env.bytes_received ?? NaN)
    const bytesOut = Number(ev.env.bytes_sent ?? NaN)
    const duration = Number(ev.env.time_duration ?? NaN)
    await this.init.store.closeSession(t.sessionId, {
      endedAt: nowS(),
      ...(Number.isFinite(bytesIn) ? { bytesIn } : {}),
      ...(Number.isFinite(bytesOut) ? { bytesOut } : {}),
      ...(Number.isFinite(duration) ? { durationS: duration } : {}),
      reason: t.endReason ?? 'disconnected',
    })
    const sc = this.init.config.scripts
    if (!sc?.disconnect || !t.established) return
    const env = vpnEnv(
      {
        event: 'D',
        userId: t.username,
        profileId: sc.profileId,
        connectionId: t.commonName || t.username,
        ip4: t.vpnIp4,
        ip6: t.vpnIp6,
        originatingIp: t.sourceIp,
        bytesIn: Number.isFinite(bytesIn) ? bytesIn : 0,
        bytesOut: Number.isFinite(bytesOut) ? bytesOut : 0,
        serverId: this.init.config.serverId,
        sessionId: t.sessionId,
      },
      sc.env
    )
    const r = await runScript(sc.disconnect, env, sc.timeoutMs)
    if (r.code !== 0) this.init.logger.warn(`disconnect script exited with ${r.code ?? r.signal}`)
  }

  // ---- session time and kills ---------------------------------------------------------------

  #armTimer(t: Tracked): void {
    clearTimeout(t.killTimer)
    if (t.expiresAt === null) return
    const ms = Math.max(0, t.expiresAt * 1000 - Date.now())
    t.killTimer = setTimeout(() => {
      t.endReason = 'session time limit reached'
      void this.#kill(t.cid, 'HALT,session time limit reached')
    }, ms)
    t.killTimer.unref()
  }

  async #kill(cid: number, message: string): Promise<void> {
    try {
      await this.mgmt.command(clientKill(cid, message))
    } catch (e) {
      this.init.logger.warn(`client-kill ${cid} failed: ${(e as Error).message}`)
    }
  }

  async #pollKills(): Promise<void> {
    if (!this.#ready) return
    try {
      for (const s of await this.init.store.killRequests(this.init.config.serverId)) {
        const t = s.cid === null ? undefined : this.#clients.get(s.cid)
        if (!t || t.sessionId !== s.id || t.endReason === 'killed by administrator') continue
        t.endReason = 'killed by administrator'
        await this.#kill(t.cid, 'HALT,session ended by administrator')
      }
    } catch (e) {
      this.init.logger.warn(`kill poll failed: ${(e as Error).message}`)
    }
  }
}

function sameAddress(real: string, ip: string, port: number): boolean {
  // status 3 "Real Address" is ip:port (IPv6 form uncertain, spec 11): compare loosely.
  const m = /^(?:\[?(.*?)\]?):(\d+)$/.exec(real.replace(/^(udp|tcp)[46]?(-server)?:/, ''))
  if (!m) return false
  const rip = (m[1] ?? '').replace(/^::ffff:/i, '')
  return rip === ip.replace(/^::ffff:/i, '') && Number(m[2]) === port
}
