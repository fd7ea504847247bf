/**
 * @module session/connection
 * One connection attempt to one remote: the client state machine of spec §3.8.
 *
 *   hard reset ─► TLS ─► key method 2 ─► PUSH_REQUEST … PUSH_REPLY ─► data keys ─► connected
 *       │                                                                     │
 *       └───────────── ends (run() resolves) on error, AUTH_FAILED, RESTART/HALT, ping-restart, close()
 *
 * While connected it runs the data channel (P_DATA_V2 with the pushed peer id, keepalive ping,
 * OCC), renegotiates keys (reneg-sec / reneg-bytes / server soft reset) keeping the previous key
 * as lame duck, and on close() sends the exit notification. Reconnecting is the client's job.
 */
import { randomBytes } from 'node:crypto'
import type { SecureContext, TLSSocket } from 'node:tls'
import { type DataCryptoFactory, createDataCrypto } from '../crypto/data-crypto.js'
import { cipherInfo } from '../crypto/ciphers.js'
import type { TlsWrap } from '../crypto/tls-wrap.js'
import type { CompressionFraming } from '../data/compression.js'
import {
  CertificateVerifyError,
  HandshakeTimeoutError,
  LinkError,
  ProtocolError,
  PushOptionError,
  TlsHandshakeError,
} from '../errors.js'
import type { Link } from '../link/link.js'
import type { Tun } from '../link/tun.js'
import type { ResolvedEngineOptions } from '../options.js'
import { ControlDuplex } from '../tls/control-duplex.js'
import { type TlsClientOptions, startTlsClient } from '../tls/tls-client.js'
import { verifyServerCertificate } from '../tls/verify.js'
import {
  CONTROL_SEND_ACK_MAX,
  MAX_ACKS,
  OCC_MAGIC,
  OccOpcode,
  Opcode,
  PING_MAGIC,
  SESSION_ID_LENGTH,
  type ControlOpcode,
  isDataOpcode,
} from '../wire/constants.js'
import { decodeControlPacket, encodeControlPacket } from '../wire/control-packet.js'
import { decodeTlvs, wantsWkcResend } from '../wire/tlv.js'
import { classifyMessage, splitMessages } from './control-message.js'
import { decodeServerKeyMethod2, encodeClientKeyMethod2 } from './key-method.js'
import { KeyState, nextKeyId } from './key-state.js'
import { openDataPacket, sealDataPacket } from './data-path.js'
import {
  type PendingAuth,
  dataKeyBlock,
  dynamicTlsCryptWrap,
  negotiateCipher,
  parseInfoPre,
  tlsClientOptions,
} from './negotiation.js'
import type { NetworkConfig, SessionPushOptions } from './network-config.js'
import { buildOccString, buildPeerInfo } from './peer-info.js'
import { parsePushOptions, splitPushReply } from './push-reply.js'
import type { EngineStats } from './stats.js'

/** `PUSH_REQUEST_INTERVAL` (spec §16.1). */
export const PUSH_REQUEST_INTERVAL_MS = 5000
/** Housekeeping tick: retransmits, keepalive, timeouts. */
export const TICK_MS = 200
/** Largest control packet on the wire incl. IP/UDP (`TLS_MTU_DEFAULT`, spec §3.6). */
export const TLS_MTU = 1250
/** Pre-push ping-restart for UDP (`PRE_PULL_INITIAL_PING_RESTART`, spec §15.1). */
export const PRE_PULL_PING_RESTART_S = 120

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export type { PendingAuth } from './negotiation.js'

export interface ConnectionHooks {
  log(level: LogLevel, message: string): void
  /** Handshake progress for status events. */
  progress(step: 'wait' | 'auth' | 'get-config'): void
  /** Server asked for pending authentication (INFO_PRE, spec §17.5). */
  pendingAuth(req: PendingAuth): void
  /** The server pushed a new auth-token (store silently). */
  authToken(token: string, user?: string): void
  /** Credentials for a renegotiation's key method 2 (the auth-token when one is held, §17.3). */
  renegotiationCredentials(): Credentials | undefined
}

export interface Credentials {
  username: string
  password: string
}

export interface ConnectionInit {
  opts: ResolvedEngineOptions
  link: Link
  tun: Tun
  wrap: TlsWrap
  /** Username/password (or token) for key method 2, if any. */
  credentials: Credentials | undefined
  hooks: ConnectionHooks
  stats: EngineStats
  now?: () => number
  /** Data-channel crypto per negotiated key (default: node:crypto `createDataCrypto`). */
  dataCrypto?: DataCryptoFactory
  /** A prepared TLS secure context for these options, or undefined to build one. */
  tlsContext?: TlsContextSource
}

/**
 * Gives a TLS secure context made ahead (`createTlsContext`) for exactly these options, or
 * undefined when it has none for them; the engine then builds one itself.
 */
export type TlsContextSource = (options: TlsClientOptions) => SecureContext | undefined

export type ConnectionEnd =
  | { kind: 'closed' }
  | { kind: 'error'; error: ProtocolError; wasConnected: boolean }
  | { kind: 'auth-failed'; reason: string }
  | { kind: 'restart'; advance: boolean; message: string; keepCredentials: boolean }
  | { kind: 'halt'; message: string }

export interface ConnectedInfo {
  network: NetworkConfig
  cipher: string
  keyDerivation: 'tls-ekm' | 'prf'
  peerId: number | undefined
}

export class Connection {
  private readonly opts: ResolvedEngineOptions
  private readonly link: Link
  private readonly tun: Tun
  private readonly wrap: TlsWrap
  /** Dynamic tls-crypt for key_id > 0 (spec §8), once negotiated. */
  private dynWrap: TlsWrap | undefined
  private readonly hooks: ConnectionHooks
  private readonly stats: EngineStats
  private readonly now: () => number
  private readonly sidC: Buffer
  private sidS: Buffer | undefined
  private keys: KeyState[] = []
  private lastKeyId = 0
  private phase: 'handshake' | 'push-wait' | 'connected' | 'ending' = 'handshake'
  private pushParts: string[] = []
  private pushSession: SessionPushOptions | undefined
  private cipher: string | undefined
  private framing: CompressionFraming
  private peerId: number | undefined
  private nextPushRequest = 0
  private pushDeadline = 0
  private lastReceived: number
  private lastSent: number
  private ping = 0
  private pingExit = 0
  private pingRestart: number
  private timer: NodeJS.Timeout | undefined
  private flushScheduled = false
  private endResolve: ((e: ConnectionEnd) => void) | undefined
  private readonly ended: Promise<ConnectionEnd>
  private connectedResolve: ((i: ConnectedInfo) => void) | undefined
  /** Resolves when the tunnel is up (never rejects; check run()). */
  readonly connected: Promise<ConnectedInfo>
  private serverOptions = ''

  constructor(private readonly init: ConnectionInit) {
    this.opts = init.opts
    this.link = init.link
    this.tun = init.tun
    this.wrap = init.wrap
    this.hooks = init.hooks
    this.stats = init.stats
    this.now = init.now ?? Date.now
    let sid = randomBytes(SESSION_ID_LENGTH)
    while (sid.every((b) => b === 0)) sid = randomBytes(SESSION_ID_LENGTH)
    this.sidC = sid
    this.framing = this.opts.compression
    this.lastReceived = this.now()
    this.lastSent = this.now()
    this.pingRestart =
      this.opts.pingRestart ?? (this.link.protocol === 'udp' ? PRE_PULL_PING_RESTART_S : 0)
    this.ended = new Promise((r) => (this.endResolve = r))
    this.connected = new Promise((r) => (this.connectedResolve = r))
  }

  // ───────────────────────────── lifecycle ─────────────────────────────

  /** Starts the handshake; resolves with how the connection ended. */
  run(): Promise<ConnectionEnd> {
    this.link.onPacket((p) => this.onLinkPacket(p))
    this.link.onClose((err) => {
      if (err)
        this.end({
          kind: 'error',
          error: err instanceof ProtocolError ? err : new LinkError(err.message, { cause: err }),
          wasConnected: this.phase === 'connected',
        })
    })
    this.tun.onPacket((p) => this.onTunPacket(p))
    const ks = this.newKeyState(0)
    const resetOp =
      this.wrap.kind === 'tls-crypt-v2'
        ? Opcode.P_CONTROL_HARD_RESET_CLIENT_V3
        : Opcode.P_CONTROL_HARD_RESET_CLIENT_V2
    ks.reliable.enqueue(resetOp, Buffer.alloc(0))
    this.hooks.progress('wait')
    this.flush()
    this.timer = setInterval(() => this.tick(), TICK_MS)
    return this.ended
  }

  /**
   * Ends the connection from our side: sends the exit notification when connected (spec §15.3),
   * then closes the link. Resolves when done.
   */
  async close(): Promise<void> {
    if (this.phase === 'ending') {
      await this.ended
      return
    }
    const wasConnected = this.phase === 'connected'
    this.phase = 'ending'
    if (wasConnected && this.link.protocol === 'udp' && this.opts.explicitExitNotify > 0) {
      await this.sendExitNotification()
    }
    this.end({ kind: 'closed' })
    await this.ended
  }

  private async sendExitNotification(): Promise<void> {
    const ccExit = this.pushSession?.protocolFlags.includes('cc-exit') ?? false
    if (ccExit) {
      const ks = this.primaryActive()
      if (ks) {
        this.sendControlMessage('EXIT')
        const until = this.now() + Math.min(this.opts.explicitExitNotify, 2) * 1000
        while (!ks.reliable.idle && this.now() < until) {
          await new Promise((r) => setTimeout(r, 20))
          this.flush()
        }
        this.hooks.log('info', 'sent exit notification (control channel EXIT)')
        return
      }
    }
    const occ = Buffer.concat([OCC_MAGIC, Buffer.from([OccOpcode.EXIT])])
    this.sendDataPayload(occ)
    this.hooks.log('info', 'sent exit notification (OCC_EXIT)')
    await new Promise((r) => setTimeout(r, 50))
  }

  private end(e: ConnectionEnd): void {
    if (!this.endResolve) return
    const resolve = this.endResolve
    this.endResolve = undefined
    this.phase = 'ending'
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
    this.tun.onPacket(() => undefined)
    for (const k of this.keys) k.dispose()
    void this.link.close().finally(() => resolve(e))
  }

  private fail(error: ProtocolError): void {
    this.hooks.log('error', error.message)
    this.end({ kind: 'error', error, wasConnected: this.phase === 'connected' })
  }

  // ───────────────────────────── key states ─────────────────────────────

  private newKeyState(keyId: number): KeyState {
    const ks = new KeyState(keyId, { now: this.now, tlsTimeoutMs: this.opts.tlsTimeout * 1000 })
    this.lastKeyId = keyId
    this.keys.push(ks)
    // keep at most the new key, the primary and one lame duck
    while (this.keys.length > 3) this.keys.shift()?.dispose()
    return ks
  }

  private keyById(id: number): KeyState | undefined {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i]
      if (k && k.keyId === id && k.phase !== 'failed') return k
    }
    return undefined
  }

  /** Newest key state whose key exchange completed (carries control messages). */
  private primaryActive(): KeyState | undefined {
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i]
      if (k && (k.phase === 'active' || k.phase === 'keyed')) return k
    }
    return undefined
  }

  /**
   * Key used for sending data (spec §18.3): the newest keyed one once its auth-deferred period
   * (min(hand-window, reneg-sec/2)) has passed, or at once when no older key exists.
   */
  private sendKey(): KeyState | undefined {
    // hot path: no allocation; walk from the newest key
    let newest: KeyState | undefined
    let older: KeyState | undefined
    for (let i = this.keys.length - 1; i >= 0; i--) {
      const k = this.keys[i]
      if (!k || k.phase !== 'keyed' || !k.crypto) continue
      if (!newest) newest = k
      else {
        older = k
        break
      }
    }
    if (!newest || !older) return newest
    const renegSec = this.opts.renegSec > 0 ? this.opts.renegSec : this.opts.handWindow * 2
    const deferMs = Math.min(this.opts.handWindow, renegSec / 2) * 1000
    return this.now() - newest.createdAt >= deferMs ? newest : older
  }

  // ───────────────────────────── control channel out ─────────────────────────────

  private maxTlsFragment(): number {
    const wkc = this.wrap.kind === 'tls-crypt-v2' ? 400 : 0
    return TLS_MTU - 28 - 9 - (1 + 8 + 4 * CONTROL_SEND_ACK_MAX) - 4 - this.wrap.overhead - wkc
  }

  /** Control-channel protection for a key id: dynamic tls-crypt for key_id > 0 when negotiated. */
  private wrapFor(keyId: number): TlsWrap {
    return keyId > 0 && this.dynWrap ? this.dynWrap : this.wrap
  }

  private sendWire(packet: Buffer): void {
    this.lastSent = this.now()
    this.stats.packetsOut += 1
    this.stats.bytesOut += packet.length
    this.link.send(packet)
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return
    this.flushScheduled = true
    setImmediate(() => {
      this.flushScheduled = false
      this.flush()
    })
  }

  /** Sends due reliable packets (with piggy-backed acks) and leftover acks of every key. */
  private flush(): void {
    if (!this.endResolve) return
    for (const ks of this.keys) {
      for (const m of ks.reliable.due()) {
        const acks = this.sidS ? ks.reliable.takeAcks(CONTROL_SEND_ACK_MAX) : []
        this.sendControl(ks.keyId, m.opcode, acks, m.messageId, m.payload)
      }
      if (ks.reliable.pendingAckCount > 0 && this.sidS) {
        this.sendControl(
          ks.keyId,
          Opcode.P_ACK_V1,
          ks.reliable.takeAcks(MAX_ACKS),
          undefined,
          Buffer.alloc(0)
        )
      }
    }
  }

  private sendControl(
    keyId: number,
    opcode: ControlOpcode,
    acks: number[],
    messageId: number | undefined,
    payload: Buffer
  ): void {
    const logical = encodeControlPacket({
      opcode,
      keyId,
      sessionId: this.sidC,
      acks,
      ...(acks.length > 0 && this.sidS ? { remoteSessionId: this.sidS } : {}),
      ...(messageId !== undefined ? { messageId } : {}),
      payload,
    })
    this.sendWire(this.wrapFor(keyId).wrap(logical))
  }

  /** Sends a text control message over the primary TLS session (spec §11). */
  private sendControlMessage(text: string): void {
    const ks = this.primaryActive()
    if (!ks?.tls) return
    ks.tls.write(Buffer.from(`${text}\0`, 'utf8'))
  }

  // ───────────────────────────── control channel in ─────────────────────────────

  private onLinkPacket(packet: Buffer): void {
    this.stats.packetsIn += 1
    this.stats.bytesIn += packet.length
    const op = (packet[0] ?? 0) >> 3
    if (isDataOpcode(op)) {
      this.onDataPacket(packet)
      return
    }
    let logical: Buffer
    try {
      logical = this.wrapFor((packet[0] ?? 0) & 0x07).unwrap(packet)
    } catch (err) {
      this.stats.controlDrops += 1
      if (err instanceof ProtocolError && err.code === 'REPLAY') this.stats.replayErrors += 1
      this.hooks.log(
        'debug',
        `dropped control packet: ${err instanceof Error ? err.message : String(err)}`
      )
      return
    }
    let pkt
    try {
      pkt = decodeControlPacket(logical)
    } catch (err) {
      this.stats.controlDrops += 1
      this.hooks.log(
        'debug',
        `malformed control packet: ${err instanceof Error ? err.message : String(err)}`
      )
      return
    }
    if (pkt.opcode === Opcode.P_CONTROL_HARD_RESET_SERVER_V2) {
      if (!this.sidS) this.sidS = pkt.sessionId
    }
    if (!this.sidS || !pkt.sessionId.equals(this.sidS)) {
      this.stats.controlDrops += 1
      return
    }
    if (pkt.acks.length > 0 && !pkt.remoteSessionId?.equals(this.sidC)) {
      this.stats.controlDrops += 1
      return
    }
    if (
      pkt.opcode === Opcode.P_CONTROL_HARD_RESET_CLIENT_V2 ||
      pkt.opcode === Opcode.P_CONTROL_HARD_RESET_CLIENT_V3 ||
      pkt.opcode === Opcode.P_CONTROL_WKC_V1
    ) {
      this.stats.controlDrops += 1
      return
    }
    this.lastReceived = this.now()
    let ks = this.keyById(pkt.keyId)
    if (!ks && pkt.opcode === Opcode.P_CONTROL_SOFT_RESET_V1 && this.phase === 'connected') {
      ks = this.beginRenegotiation(pkt.keyId)
    }
    if (!ks) {
      this.stats.controlDrops += 1
      return
    }
    ks.reliable.handleAcks(pkt.acks)
    if (pkt.messageId !== undefined) {
      ks.reliable.receive(pkt.messageId, { opcode: pkt.opcode, payload: pkt.payload })
    }
    for (const m of ks.reliable.takeDeliverable()) {
      if (
        m.opcode === Opcode.P_CONTROL_HARD_RESET_SERVER_V2 ||
        m.opcode === Opcode.P_CONTROL_SOFT_RESET_V1
      ) {
        ks.peerResetReceived = true
        if (m.payload.length > 0) {
          try {
            ks.resendWkc = wantsWkcResend(decodeTlvs(m.payload))
          } catch (err) {
            this.fail(
              new TlsHandshakeError('truncated early-negotiation TLV in server reset', {
                cause: err,
              })
            )
            return
          }
        }
      } else if (m.opcode === Opcode.P_CONTROL_V1) {
        ks.duplex?.deliver(m.payload)
      }
    }
    this.maybeStartTls(ks)
    this.scheduleFlush()
  }

  private maybeStartTls(ks: KeyState): void {
    if (ks.phase !== 'pre-start' || !ks.peerResetReceived || !ks.reliable.isAcked(0)) return
    if (ks.keyId === 0 && ks.resendWkc && this.wrap.kind === 'tls-crypt-v2') {
      // message id 1 must carry the WKc: an empty P_CONTROL_WKC_V1 (spec §7.4)
      ks.reliable.enqueue(Opcode.P_CONTROL_WKC_V1, Buffer.alloc(0))
    }
    ks.phase = 'tls'
    if (ks.keyId === 0) this.hooks.progress('auth')
    const max = this.maxTlsFragment()
    const duplex = new ControlDuplex((chunk) => {
      for (let o = 0; o < chunk.length; o += max) {
        ks.reliable.enqueue(Opcode.P_CONTROL_V1, Buffer.from(chunk.subarray(o, o + max)))
      }
      this.scheduleFlush()
    })
    ks.duplex = duplex
    let tls: TLSSocket
    try {
      tls = this.createTls(duplex)
    } catch (err) {
      // bad PEM, wrong key passphrase, unknown cipher list: thrown synchronously by node:tls
      ks.phase = 'failed'
      const msg = err instanceof Error ? err.message : String(err)
      this.fail(
        new TlsHandshakeError(`cannot set up TLS (certificate/key/cipher settings): ${msg}`, {
          cause: err,
        })
      )
      return
    }
    ks.tls = tls
    tls.on('secureConnect', () => this.onTlsEstablished(ks, tls))
    tls.on('data', (d: Buffer) => this.onTlsData(ks, d))
    tls.on('error', (err: Error) => this.onTlsError(ks, err))
  }

  private createTls(duplex: ControlDuplex): TLSSocket {
    const options = tlsClientOptions(this.opts)
    return startTlsClient(duplex, options, this.init.tlsContext?.(options))
  }

  private onTlsError(ks: KeyState, err: Error): void {
    if (!this.endResolve || ks.phase === 'failed') return
    ks.phase = 'failed'
    let error: ProtocolError
    if (err instanceof ProtocolError) error = err
    else {
      const code = (err as { code?: string }).code ?? ''
      const certish = /CERT|SIGNATURE|ISSUER|SELF_SIGNED|UNABLE_TO_VERIFY|CHAIN/.test(code)
      error = certish
        ? new CertificateVerifyError(`server certificate rejected: ${err.message} (${code})`, {
            cause: err,
          })
        : new TlsHandshakeError(`TLS error: ${err.message}${code ? ` (${code})` : ''}`, {
            cause: err,
          })
    }
    if (ks.keyId === 0 || this.phase !== 'connected') this.fail(error)
    else {
      this.hooks.log('warn', `renegotiation of key ${ks.keyId} failed: ${error.message}`)
      this.fail(error)
    }
  }

  private onTlsEstablished(ks: KeyState, tls: TLSSocket): void {
    const o = this.opts
    if (!o.ca && o.peerFingerprints?.length) {
      const cert = tls.getPeerX509Certificate()
      try {
        if (!cert) throw new CertificateVerifyError('server sent no certificate')
        verifyServerCertificate(cert.raw, { peerFingerprints: o.peerFingerprints })
      } catch (err) {
        this.onTlsError(ks, err instanceof Error ? err : new Error(String(err)))
        return
      }
    }
    this.hooks.log(
      'debug',
      `key ${ks.keyId}: TLS ${tls.getProtocol() ?? '?'} ${tls.getCipher().name} established`
    )
    const cipherForOcc = this.cipher ?? o.dataCiphers[0] ?? 'AES-256-GCM'
    const occ = buildOccString({
      proto: this.link.protocol,
      tunMtu: o.tunMtu,
      cipher: cipherForOcc,
      auth: cipherInfo(cipherForOcc).aead ? '[null-digest]' : o.auth,
      keySize: cipherInfo(cipherForOcc).keyLength * 8,
      ...(o.tlsWrap.mode === 'tls-auth' && o.tlsWrap.direction !== undefined
        ? { tlsAuthDirection: o.tlsWrap.direction }
        : {}),
    })
    const peerInfo = buildPeerInfo({
      dataCiphers: o.dataCiphers,
      tlsEkm: o.keyDerivation === 'auto',
      dynTlsCrypt: o.dynTlsCrypt && o.keyDerivation === 'auto',
      tunMtu: o.tunMtu,
      pushPeerInfo: o.pushPeerInfo,
      ...(o.hwaddr ? { hwaddr: o.hwaddr } : {}),
      setenv: o.setenv,
    })
    const creds = ks.keyId === 0 ? this.init.credentials : this.hooks.renegotiationCredentials()
    const msg = encodeClientKeyMethod2({
      source: ks.source,
      options: occ,
      ...(creds ? { username: creds.username, password: creds.password } : {}),
      peerInfo,
    })
    ks.phase = 'sent-km'
    tls.write(msg)
  }

  private onTlsData(ks: KeyState, data: Buffer): void {
    ks.clear = ks.clear.length ? Buffer.concat([ks.clear, data]) : data
    if (!ks.serverKm) {
      let km
      try {
        km = decodeServerKeyMethod2(ks.clear)
      } catch (err) {
        this.fail(new TlsHandshakeError('bad key-method message from server', { cause: err }))
        return
      }
      if (!km) return
      ks.serverKm = km
      ks.clear = ks.clear.subarray(km.length)
      ks.phase = 'active'
      if (ks.keyId === 0) {
        this.serverOptions = km.options
        this.phase = 'push-wait'
        this.hooks.progress('get-config')
        this.pushDeadline = this.now() + this.opts.handWindow * 1000
        this.nextPushRequest = this.now()
        this.sendPushRequestIfDue()
      } else {
        this.onRenegotiatedKeyActive(ks)
      }
    }
    const { messages, rest } = splitMessages(ks.clear)
    ks.clear = rest
    for (const m of messages) this.onControlMessage(m)
  }

  private sendPushRequestIfDue(): void {
    if (this.phase !== 'push-wait' || this.now() < this.nextPushRequest) return
    this.sendControlMessage('PUSH_REQUEST')
    this.nextPushRequest = this.now() + PUSH_REQUEST_INTERVAL_MS
  }

  private onControlMessage(text: string): void {
    const m = classifyMessage(text)
    switch (m.kind) {
      case 'push-reply':
        this.onPushReply(m.text)
        break
      case 'auth-failed':
        this.hooks.log(
          'warn',
          `AUTH_FAILED${m.reason ? `: ${m.reason.replace(/^CRV1:[^:]*:[^:]*:/, 'CRV1:…:')}` : ''}`
        )
        this.end({ kind: 'auth-failed', reason: m.reason })
        break
      case 'restart':
        this.hooks.log('info', `server requested restart${m.message ? `: ${m.message}` : ''}`)
        this.end({
          kind: 'restart',
          advance: m.flags.includes('N'),
          message: m.message,
          keepCredentials: m.flags.includes('P'),
        })
        break
      case 'halt':
        this.hooks.log('warn', `server requested halt${m.message ? `: ${m.message}` : ''}`)
        this.end({ kind: 'halt', message: m.message })
        break
      case 'exit':
        this.hooks.log('info', 'server sent EXIT')
        this.end({ kind: 'restart', advance: false, message: 'server exit', keepCredentials: true })
        break
      case 'auth-pending': {
        const t = m.timeout ?? this.opts.handWindow
        const renegHalf = this.opts.renegSec / 2
        this.pushDeadline =
          this.now() + Math.min(t, Math.max(renegHalf, this.opts.handWindow)) * 1000
        this.hooks.log('info', `authentication pending (timeout ${t}s)`)
        break
      }
      case 'info-pre':
        this.onInfoPre(m.extra)
        break
      case 'info':
        this.hooks.log('info', `server info: ${m.text}`)
        break
      case 'push-update':
        this.hooks.log('debug', 'ignoring PUSH_UPDATE (not announced)')
        break
      case 'other':
        this.hooks.log('debug', `ignoring control message "${m.text.slice(0, 40)}"`)
        break
    }
  }

  private onInfoPre(extra: string): void {
    const req = parseInfoPre(extra)
    if (req) this.hooks.pendingAuth(req)
    else this.hooks.log('info', `server info: ${extra}`)
  }

  /** Answers a CR_TEXT challenge (spec §17.5). */
  sendCrResponse(response: string): void {
    this.sendControlMessage(`CR_RESPONSE,${Buffer.from(response, 'utf8').toString('base64')}`)
  }

  // ───────────────────────────── push ─────────────────────────────

  private onPushReply(text: string): void {
    const { options, more } = splitPushReply(text)
    if (this.phase === 'connected') {
      // later PUSH_REPLY (e.g. refreshed auth-token after renegotiation, spec §16.2)
      const p = parsePushOptions(options, { tunMtu: this.opts.tunMtu })
      if (p.session.authToken) this.hooks.authToken(p.session.authToken, p.session.authTokenUser)
      return
    }
    if (this.phase !== 'push-wait') return
    this.pushParts.push(...options)
    if (more) return
    const parsed = parsePushOptions(this.pushParts, {
      tunMtu: this.opts.tunMtu,
      routeNopull: this.opts.routeNopull,
      pullFilters: this.opts.pullFilters,
    })
    this.pushParts = []
    if (parsed.rejected) {
      this.fail(new PushOptionError(`pushed option rejected by pull-filter: ${parsed.rejected}`))
      return
    }
    const s = parsed.session
    if (s.compressionUnsupported) {
      this.fail(
        new PushOptionError(
          `server pushed compression, which is not allowed: ${s.compressionUnsupported}`
        )
      )
      return
    }
    let cipher: string
    try {
      cipher = negotiateCipher(
        s.cipher,
        this.opts.dataCiphers,
        this.serverOptions,
        this.opts.dataCiphersFallback
      )
    } catch (err) {
      this.fail(err instanceof ProtocolError ? err : new PushOptionError(String(err)))
      return
    }
    if (this.opts.keyDerivation === 'prf' && s.keyDerivation === 'tls-ekm') {
      this.fail(new PushOptionError('server demands tls-ekm but the client did not announce it'))
      return
    }
    this.pushSession = s
    this.cipher = cipher
    this.framing = s.compression ?? this.opts.compression
    this.peerId = s.peerId
    if (s.ping !== undefined && this.opts.ping === undefined) this.ping = s.ping
    else if (this.opts.ping !== undefined) this.ping = this.opts.ping
    if (s.pingExit !== undefined) this.pingExit = s.pingExit
    if (s.pingRestart !== undefined && this.opts.pingRestart === undefined)
      this.pingRestart = s.pingRestart
    if (s.authToken) this.hooks.authToken(s.authToken, s.authTokenUser)
    const ks = this.keyById(0)
    if (!ks) return
    try {
      this.generateDataKeys(ks)
    } catch (err) {
      this.fail(
        err instanceof ProtocolError
          ? err
          : new PushOptionError('data key generation failed', { cause: err })
      )
      return
    }
    if (s.protocolFlags.includes('dyn-tls-crypt') && this.opts.dynTlsCrypt) {
      try {
        this.dynWrap = dynamicTlsCryptWrap(ks.tls, this.opts.tlsWrap)
        this.hooks.log('debug', 'dynamic tls-crypt enabled for renegotiations')
      } catch (err) {
        this.fail(new TlsHandshakeError('dynamic tls-crypt key derivation failed', { cause: err }))
        return
      }
    }
    this.hooks.log(
      'info',
      `pushed config: cipher ${cipher}, key derivation ${s.keyDerivation}, peer-id ${s.peerId ?? 'none'}, ping ${this.ping}/${this.pingRestart}`
    )
    parsed.network.remote = { ...this.link.remote, proto: this.link.protocol }
    const info: ConnectedInfo = {
      network: parsed.network,
      cipher,
      keyDerivation: s.keyDerivation,
      peerId: s.peerId,
    }
    this.tun.configure(parsed.network).then(
      () => {
        if (this.phase !== 'push-wait') return
        this.phase = 'connected'
        this.connectedResolve?.(info)
      },
      (err: unknown) => this.fail(new PushOptionError('tun configuration failed', { cause: err }))
    )
  }

  private generateDataKeys(ks: KeyState): void {
    if (!this.cipher || !this.pushSession) return
    const key2 = dataKeyBlock({
      method: this.pushSession.keyDerivation,
      tls: ks.tls,
      source: ks.source,
      serverKm: ks.serverKm,
      clientSessionId: this.sidC,
      serverSessionId: this.sidS,
    })
    const make = this.init.dataCrypto ?? createDataCrypto
    try {
      ks.crypto = make({ cipher: this.cipher, digest: this.opts.auth, keyBlock: key2 })
    } finally {
      key2.fill(0)
    }
    ks.phase = 'keyed'
    ks.keyedAt = this.now()
  }

  // ───────────────────────────── renegotiation ─────────────────────────────

  private beginRenegotiation(keyId: number): KeyState | undefined {
    if (this.keys.some((k) => k.phase !== 'keyed' && k.phase !== 'failed')) return undefined
    if (keyId !== nextKeyId(this.lastKeyId)) return undefined
    const ks = this.newKeyState(keyId)
    ks.reliable.enqueue(Opcode.P_CONTROL_SOFT_RESET_V1, Buffer.alloc(0))
    this.hooks.log('info', `renegotiating data channel key ${keyId}`)
    this.scheduleFlush()
    return ks
  }

  private onRenegotiatedKeyActive(ks: KeyState): void {
    try {
      this.generateDataKeys(ks)
    } catch (err) {
      this.fail(
        err instanceof ProtocolError
          ? err
          : new TlsHandshakeError('renegotiation key generation failed', { cause: err })
      )
      return
    }
    this.stats.renegotiations += 1
    for (const k of this.keys) {
      if (k !== ks && k.expiresAt === undefined)
        k.expiresAt = this.now() + this.opts.tranWindow * 1000
    }
    this.hooks.log('info', `data channel key ${ks.keyId} active`)
  }

  // ───────────────────────────── data channel ─────────────────────────────

  private onTunPacket(packet: Buffer): void {
    if (this.phase !== 'connected') return
    this.stats.tunPacketsIn += 1
    this.stats.tunBytesIn += packet.length
    this.sendDataPayload(packet)
  }

  private sendDataPayload(payload: Buffer): void {
    const ks = this.sendKey()
    if (!ks) return
    let packet: Buffer | undefined
    try {
      packet = sealDataPacket(ks, this.peerId, this.framing, payload)
    } catch (err) {
      this.fail(err instanceof ProtocolError ? err : new ProtocolError(String(err)))
      return
    }
    if (packet) this.sendWire(packet)
  }

  private onDataPacket(packet: Buffer): void {
    const r = openDataPacket(packet, (id) => this.keyById(id), this.framing)
    switch (r.kind) {
      case 'bad':
        this.stats.decryptErrors += 1
        return
      case 'replay':
        this.stats.replayErrors += 1
        return
      case 'ping':
        this.lastReceived = this.now()
        return
      case 'occ':
        this.lastReceived = this.now()
        this.onOcc(r.opcode)
        return
      case 'ip':
        this.lastReceived = this.now()
        if (this.phase !== 'connected') return
        this.stats.tunPacketsOut += 1
        this.stats.tunBytesOut += r.packet.length
        this.tun.write(r.packet)
        return
    }
  }

  private onOcc(opcode: number): void {
    if (opcode === OccOpcode.EXIT) {
      this.hooks.log('info', 'server sent OCC_EXIT')
      this.end({ kind: 'restart', advance: false, message: 'server exit', keepCredentials: true })
    } else if (opcode === OccOpcode.REQUEST) {
      const reply = Buffer.concat([
        OCC_MAGIC,
        Buffer.from([OccOpcode.REPLY]),
        Buffer.from(`${this.serverOptions}\0`),
      ])
      this.sendDataPayload(reply)
    }
  }

  // ───────────────────────────── timers ─────────────────────────────

  private tick(): void {
    if (!this.endResolve) return
    const now = this.now()
    this.flush()
    // hand-window: every key exchange must finish in time (spec §3.4)
    for (const ks of this.keys) {
      if (ks.phase === 'keyed' || ks.phase === 'active' || ks.phase === 'failed') continue
      if (now - ks.createdAt > this.opts.handWindow * 1000) {
        const what =
          ks.keyId === 0 && !this.sidS
            ? 'no reply from the server (check the address, port, and the tls-auth/tls-crypt key)'
            : 'TLS handshake did not complete'
        this.fail(
          new HandshakeTimeoutError(
            `TLS key negotiation failed to occur within ${this.opts.handWindow} seconds: ${what}`
          )
        )
        return
      }
    }
    if (this.phase === 'push-wait') {
      if (now > this.pushDeadline) {
        this.fail(new HandshakeTimeoutError('no reply from server to push requests'))
        return
      }
      this.sendPushRequestIfDue()
    }
    // lame-duck expiry
    const before = this.keys.length
    this.keys = this.keys.filter((k) => {
      const dead = k.expiresAt !== undefined && now >= k.expiresAt
      if (dead) k.dispose()
      return !dead
    })
    if (this.keys.length !== before) this.hooks.log('debug', 'lame-duck key expired')
    if (this.phase !== 'connected') {
      if (this.pingRestart > 0 && now - this.lastReceived > this.pingRestart * 1000 && this.sidS) {
        this.fail(
          new HandshakeTimeoutError(`inactivity timeout (ping-restart ${this.pingRestart}s)`)
        )
      }
      return
    }
    if (this.pingExit > 0 && now - this.lastReceived > this.pingExit * 1000) {
      this.hooks.log('warn', `inactivity timeout (ping-exit ${this.pingExit}s): exiting`)
      this.end({ kind: 'halt', message: `ping-exit ${this.pingExit}s` })
      return
    }
    if (this.pingRestart > 0 && now - this.lastReceived > this.pingRestart * 1000) {
      this.fail(new HandshakeTimeoutError(`inactivity timeout (ping-restart ${this.pingRestart}s)`))
      return
    }
    if (this.ping > 0 && now - this.lastSent >= this.ping * 1000) this.sendDataPayload(PING_MAGIC)
    // client-side renegotiation (spec §18.1)
    const primary = this.primaryActive()
    if (
      primary?.phase === 'keyed' &&
      primary.keyedAt !== undefined &&
      !this.keys.some((k) => k.phase !== 'keyed' && k.phase !== 'failed')
    ) {
      const byTime = this.opts.renegSec > 0 && now - primary.keyedAt >= this.opts.renegSec * 1000
      const byBytes =
        this.opts.renegBytes !== undefined &&
        this.opts.renegBytes > 0 &&
        primary.bytes >= this.opts.renegBytes
      const byPid = primary.sendPacketId.current >= 0xff000000
      if (byTime || byBytes || byPid) this.beginRenegotiation(nextKeyId(this.lastKeyId))
    }
  }

  /** Debug view for tests. */
  get state(): { phase: string; keys: Array<{ keyId: number; phase: string }> } {
    return { phase: this.phase, keys: this.keys.map((k) => ({ keyId: k.keyId, phase: k.phase })) }
  }
}
