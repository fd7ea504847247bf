/**
 * Tests of the reliability layer: windows, acks, retransmit back-off, fast retransmit,
 * in-order delivery and replay handling (spec §3.3, §3.4).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { Opcode } from '../wire/constants.js'
import { FAST_RETRANSMIT_ACKS, ReliableLayer, SEND_WINDOW } from './reliable.js'

const P = Opcode.P_CONTROL_V1
const msg = (s: string): Buffer => Buffer.from(s)

void describe('ReliableLayer', () => {
  void test('assigns ids from 0 and respects the send window', () => {
    let now = 0
    const r = new ReliableLayer({ now: () => now })
    for (let i = 0; i < 10; i++) r.enqueue(P, msg(`m${i}`))
    const first = r.due()
    assert.deepEqual(
      first.map((m) => m.messageId),
      [0, 1, 2, 3, 4, 5]
    )
    assert.equal(first.length, SEND_WINDOW)
    assert.deepEqual(r.due(), [])
    r.handleAcks([0])
    assert.deepEqual(
      r.due().map((m) => m.messageId),
      [6]
    )
    assert.ok(r.isAcked(0))
    assert.ok(!r.isAcked(1))
    now = 1
    assert.deepEqual(r.due(), [])
  })

  void test('retransmits with exponential back-off', () => {
    let now = 0
    const r = new ReliableLayer({ now: () => now, initialTimeoutMs: 2000 })
    r.enqueue(P, msg('x'))
    assert.equal(r.due().length, 1)
    now = 1999
    assert.equal(r.due().length, 0)
    now = 2000
    const again = r.due()
    assert.equal(again[0]?.transmissions, 2)
    now = 5999
    assert.equal(r.due().length, 0)
    now = 6000
    assert.equal(r.due().length, 1)
    r.handleAcks([0])
    assert.ok(r.idle)
  })

  void test('fast retransmit after acks for higher ids', () => {
    const r = new ReliableLayer({ now: () => 0 })
    for (let i = 0; i < 5; i++) r.enqueue(P, msg(`m${i}`))
    r.due()
    r.handleAcks([1, 2])
    assert.equal(r.due().length, 0)
    r.handleAcks([3])
    const re = r.due()
    assert.equal(FAST_RETRANSMIT_ACKS, 3)
    assert.deepEqual(
      re.map((m) => m.messageId),
      [0]
    )
  })

  void test('delivers in order, acks replays, drops beyond the window without ack', () => {
    const r = new ReliableLayer()
    assert.ok(r.receive(1, { opcode: P, payload: msg('b') }))
    assert.deepEqual(r.takeDeliverable(), [])
    assert.ok(r.receive(0, { opcode: P, payload: msg('a') }))
    assert.deepEqual(
      r.takeDeliverable().map((m) => m.payload.toString()),
      ['a', 'b']
    )
    assert.deepEqual(r.takeAcks(8), [1, 0])
    assert.ok(r.receive(0, { opcode: P, payload: msg('a') }))
    assert.deepEqual(r.takeDeliverable(), [])
    assert.equal(r.pendingAckCount, 1, 'a replay is acked again')
    assert.deepEqual(r.takeAcks(8), [0, 1], 'fresh ack first, then repeated ones')
    assert.equal(r.pendingAckCount, 0)
    assert.deepEqual(r.takeAcks(1), [0], 'retransmissions keep acking recent ids')
    assert.ok(!r.receive(2 + 12, { opcode: P, payload: msg('far') }))
    assert.equal(r.pendingAckCount, 0, 'beyond the window: not acked')
    assert.equal(r.expectedId, 2)
  })
})
