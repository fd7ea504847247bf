/**
 * @module control/reliable
 * The control-channel reliability layer of one key state (spec §3.3, §3.4): message ids,
 * send window (6), receive window (12), ack queue, in-order delivery, retransmission with
 * exponential back-off and fast retransmit after 3 acks for higher ids.
 * It does no I/O: the key state asks it what to send (`due`) and feeds it what arrived.
 */
import { MAX_ACKS, type ControlOpcode } from '../wire/constants.js'

/** `TLS_RELIABLE_N_SEND_BUFFERS` (spec §3.4). */
export const SEND_WINDOW = 6
/** `TLS_RELIABLE_N_REC_BUFFERS` (spec §3.4). */
export const RECEIVE_WINDOW = 12
/** `N_ACK_RETRANSMIT` (spec §3.4). */
export const FAST_RETRANSMIT_ACKS = 3
/** Upper bound of the retransmit back-off (implementation choice; the hand-window bounds it anyway). */
export const MAX_RETRANSMIT_MS = 16_000

export interface ReliableMessage {
  opcode: ControlOpcode
  payload: Buffer
}

export interface OutgoingReliable extends ReliableMessage {
  messageId: number
  /** How many times it has been sent, including this time (1 = first transmission). */
  transmissions: number
}

interface InFlight extends OutgoingReliable {
  nextTry: number
  timeout: number
  higherAcks: number
}

export interface ReliableOptions {
  /** Initial retransmit timeout (tls-timeout, default 2 s). */
  initialTimeoutMs?: number
  now?: () => number
}

export class ReliableLayer {
  private nextSendId = 0
  private readonly waiting: ReliableMessage[] = []
  private readonly inflight = new Map<number, InFlight>()
  private nextExpected = 0
  private readonly received = new Map<number, ReliableMessage>()
  private readonly ackQueue: number[] = []
  /** Most recently sent acks, newest first (at most MAX_ACKS). */
  private readonly ackMru: number[] = []
  private readonly initialTimeout: number
  private readonly now: () => number

  constructor(opts: ReliableOptions = {}) {
    this.initialTimeout = opts.initialTimeoutMs ?? 2000
    this.now = opts.now ?? Date.now
  }

  /** Queues a reliable message; it gets the next message id once the send window allows. */
  enqueue(opcode: ControlOpcode, payload: Buffer): void {
    this.waiting.push({ opcode, payload })
  }

  /** Processes acks received from the peer. */
  handleAcks(ids: readonly number[]): void {
    for (const id of ids) {
      if (!this.inflight.delete(id)) continue
      for (const e of this.inflight.values()) if (e.messageId < id) e.higherAcks += 1
    }
  }

  /**
   * Processes an incoming reliable message. Returns false when it was dropped without an ack
   * (beyond the receive window). Replays are acked again but not stored (spec §3.4 steps 2–5).
   */
  receive(messageId: number, msg: ReliableMessage): boolean {
    if (messageId < this.nextExpected || this.received.has(messageId)) {
      this.queueAck(messageId)
      return true
    }
    if (messageId >= this.nextExpected + RECEIVE_WINDOW) return false
    this.received.set(messageId, msg)
    this.queueAck(messageId)
    return true
  }

  /** Messages that are now deliverable in message-id order. */
  takeDeliverable(): ReliableMessage[] {
    const out: ReliableMessage[] = []
    for (;;) {
      const m = this.received.get(this.nextExpected)
      if (!m) break
      this.received.delete(this.nextExpected)
      this.nextExpected += 1
      out.push(m)
    }
    return out
  }

  private queueAck(id: number): void {
    if (!this.ackQueue.includes(id)) this.ackQueue.push(id)
  }

  get pendingAckCount(): number {
    return this.ackQueue.length
  }

  /**
   * Up to `max` acks for the next packet: the queued (not yet sent) ones first, then recently
   * sent ones repeated from the MRU list (2.6 `copy_acks_to_mru`, spec §3.4). Repeating matters:
   * a retransmitted packet must still ack the server's reset, or a 2.6 UDP server that has not
   * yet created the client instance (stateless cookie, spec §3.7) drops it.
   */
  takeAcks(max: number): number[] {
    const fresh = this.ackQueue.splice(0, max)
    for (const id of fresh) {
      const i = this.ackMru.indexOf(id)
      if (i >= 0) this.ackMru.splice(i, 1)
      this.ackMru.unshift(id)
    }
    this.ackMru.length = Math.min(this.ackMru.length, MAX_ACKS)
    const out = [...fresh]
    for (const id of this.ackMru) {
      if (out.length >= max) break
      if (!out.includes(id)) out.push(id)
    }
    return out
  }

  /**
   * Returns the messages to (re)transmit now, lowest id first, and schedules their next try.
   * Moves waiting messages into the send window as space frees up.
   */
  due(): OutgoingReliable[] {
    const now = this.now()
    while (this.waiting.length > 0 && this.inflight.size < SEND_WINDOW) {
      const lowest = this.lowestInFlight()
      if (lowest !== undefined && this.nextSendId >= lowest + SEND_WINDOW) break
      const m = this.waiting.shift() as ReliableMessage
      const id = this.nextSendId++
      this.inflight.set(id, {
        ...m,
        messageId: id,
        transmissions: 0,
        nextTry: now,
        timeout: this.initialTimeout,
        higherAcks: 0,
      })
    }
    const out: OutgoingReliable[] = []
    const entries = [...this.inflight.values()].sort((a, b) => a.messageId - b.messageId)
    for (const e of entries) {
      if (e.nextTry <= now || e.higherAcks >= FAST_RETRANSMIT_ACKS) {
        e.transmissions += 1
        e.nextTry = now + e.timeout
        e.timeout = Math.min(e.timeout * 2, MAX_RETRANSMIT_MS)
        e.higherAcks = 0
        out.push({
          opcode: e.opcode,
          payload: e.payload,
          messageId: e.messageId,
          transmissions: e.transmissions,
        })
      }
    }
    return out
  }

  private lowestInFlight(): number | undefined {
    let min: number | undefined
    for (const id of this.inflight.keys()) if (min === undefined || id < min) min = id
    return min
  }

  /** Earliest time a retransmission is due (ms epoch), if anything is in flight. */
  nextWakeup(): number | undefined {
    let t: number | undefined
    for (const e of this.inflight.values()) if (t === undefined || e.nextTry < t) t = e.nextTry
    if (this.waiting.length > 0 && this.inflight.size < SEND_WINDOW) return this.now()
    return t
  }

  /** True once message `id` was sent and acknowledged. */
  isAcked(id: number): boolean {
    return id < this.nextSendId && !this.inflight.has(id)
  }

  /** Nothing waiting and nothing unacknowledged. */
  get idle(): boolean {
    return this.waiting.length === 0 && this.inflight.size === 0
  }

  /** Next message id this layer expects from the peer. */
  get expectedId(): number {
    return this.nextExpected
  }
}
