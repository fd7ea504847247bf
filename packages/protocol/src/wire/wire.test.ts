/**
 * Round-trip, known-answer and fuzz-style tests for the wire codecs (spec §2, §3.1, §4.1, §13.1, §1).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { ProtocolError } from '../errors.js'
import { prng, randomBuffer } from '../testing/fixtures.js'
import {
  EARLY_NEG_FLAG_RESEND_WKC,
  LongPacketIdCounter,
  Opcode,
  ShortPacketIdCounter,
  TcpFrameDecoder,
  decodeControlPacket,
  decodeDataHeader,
  decodeLongPacketId,
  decodeOpByte,
  decodeTlvs,
  encodeControlPacket,
  encodeDataHeader,
  encodeLongPacketId,
  encodeOpByte,
  encodeTcpFrame,
  encodeTlvs,
  wantsWkcResend,
  type ControlPacket,
} from './index.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]/g, ''), 'hex')

void describe('opcode byte', () => {
  void test('encodes opcode << 3 | key id', () => {
    assert.equal(encodeOpByte(Opcode.P_CONTROL_HARD_RESET_CLIENT_V2, 0), 0x38)
    assert.equal(encodeOpByte(Opcode.P_DATA_V2, 2), 0x4a)
    assert.deepEqual(decodeOpByte(Buffer.from([0x4a])), { opcode: 9, keyId: 2 })
  })
  void test('rejects opcodes outside 3..11 and bad key ids', () => {
    assert.throws(() => decodeOpByte(Buffer.from([0x08])), { name: 'MalformedPacketError' })
    assert.throws(() => decodeOpByte(Buffer.from([0x60])), { name: 'MalformedPacketError' })
    assert.throws(() => decodeOpByte(Buffer.alloc(0)), { name: 'TruncatedPacketError' })
    assert.throws(() => encodeOpByte(Opcode.P_CONTROL_V1, 8), { name: 'MalformedPacketError' })
  })
})

void describe('control packet (upstream test_pkt.c vectors)', () => {
  void test('client_reset_v2_none', () => {
    const wire = hex('38 6891923fa3103437 00 00000000')
    const p = decodeControlPacket(wire)
    assert.equal(p.opcode, Opcode.P_CONTROL_HARD_RESET_CLIENT_V2)
    assert.equal(p.messageId, 0)
    assert.deepEqual(p.acks, [])
    assert.equal(p.remoteSessionId, undefined)
    assert.deepEqual(encodeControlPacket(p), wire)
  })
  void test('client_control_with_ack', () => {
    const wire = hex('20 7819bf2ebcd19a45 01 00000000 eafebfa4418ae31b 00000001 160301')
    const p = decodeControlPacket(wire)
    assert.equal(p.opcode, Opcode.P_CONTROL_V1)
    assert.deepEqual(p.acks, [0])
    assert.deepEqual(p.remoteSessionId, hex('eafebfa4418ae31b'))
    assert.equal(p.messageId, 1)
    assert.deepEqual(p.payload, hex('160301'))
    assert.deepEqual(encodeControlPacket(p), wire)
  })
  void test('P_ACK_V1 with three acks has no message id', () => {
    const wire = hex('28 aeb9afe1f01d79c8 03 00000000 00000001 00000002 dd85db535623b02e')
    const p = decodeControlPacket(wire)
    assert.equal(p.opcode, Opcode.P_ACK_V1)
    assert.equal(p.messageId, undefined)
    assert.deepEqual(p.acks, [0, 1, 2])
    assert.deepEqual(encodeControlPacket(p), wire)
  })
  void test('rejects > 8 acks and truncation', () => {
    assert.throws(() => decodeControlPacket(hex('28 aeb9afe1f01d79c8 09')), {
      name: 'MalformedPacketError',
    })
    assert.throws(() => decodeControlPacket(hex('20 aeb9afe1f01d79c8 01 000000')), {
      name: 'TruncatedPacketError',
    })
  })
  void test('round trip of random valid packets', () => {
    const rand = prng(7)
    const ops = [3, 4, 5, 7, 8, 10, 11] as const
    for (let i = 0; i < 2000; i++) {
      const opcode = ops[Math.floor(rand() * ops.length)] ?? 4
      const n = Math.floor(rand() * 9)
      const p: ControlPacket = {
        opcode,
        keyId: Math.floor(rand() * 8),
        sessionId: Buffer.alloc(8, (i & 0xff) | 1),
        acks: Array.from({ length: n }, () => Math.floor(rand() * 0xffffffff)),
        payload: opcode === Opcode.P_ACK_V1 ? Buffer.alloc(0) : randomBuffer(rand, 64),
      }
      if (n > 0) p.remoteSessionId = Buffer.alloc(8, 0xaa)
      if (opcode !== Opcode.P_ACK_V1) p.messageId = Math.floor(rand() * 0xffffffff)
      assert.deepEqual(decodeControlPacket(encodeControlPacket(p)), p)
    }
  })
})

void describe('packet ids', () => {
  void test('long form writes id then time (upstream test_packet_id.c)', () => {
    const c = new LongPacketIdCounter(0, () => 0x61d3bf6c)
    const b = encodeLongPacketId(c.next())
    assert.deepEqual(b, hex('00000001 61d3bf6c'))
    assert.deepEqual(decodeLongPacketId(b), { id: 1, time: 0x61d3bf6c })
  })
  void test('long form wraps to id 1 with a later time', () => {
    const c = new LongPacketIdCounter(0xfffffffe, () => 100)
    assert.deepEqual(c.next(), { id: 0xffffffff, time: 100 })
    const n = c.next()
    assert.equal(n.id, 1)
    assert.ok(n.time > 100)
  })
  void test('tls-crypt-v2 early-negotiation counter starts at 0x0F000001', () => {
    assert.equal(new LongPacketIdCounter(0x0f000000).next().id, 0x0f000001)
  })
  void test('short form starts at 1 and refuses to wrap', () => {
    const c = new ShortPacketIdCounter()
    assert.equal(c.next(), 1)
    ;(c as unknown as { id: number }).id = 0xffffffff
    assert.throws(() => c.next(), { name: 'PacketIdExhaustedError' })
  })
})

void describe('data header', () => {
  void test('P_DATA_V2 carries a 24-bit peer id', () => {
    const h = encodeDataHeader({ opcode: Opcode.P_DATA_V2, keyId: 1, peerId: 0x123456 })
    assert.deepEqual(h, hex('49123456'))
    assert.deepEqual(decodeDataHeader(h), { opcode: 9, keyId: 1, peerId: 0x123456 })
    assert.deepEqual(encodeDataHeader({ opcode: Opcode.P_DATA_V1, keyId: 3 }), hex('33'))
    assert.throws(() => decodeDataHeader(hex('4900')), { name: 'TruncatedPacketError' })
  })
})

void describe('TCP framing', () => {
  void test('reassembles records split at every byte', () => {
    const pkts = [Buffer.from('hello'), Buffer.alloc(1500, 7), Buffer.from([1])]
    const stream = Buffer.concat(pkts.map(encodeTcpFrame))
    const d = new TcpFrameDecoder()
    const got: Buffer[] = []
    for (const byte of stream) got.push(...d.push(Buffer.from([byte])))
    assert.deepEqual(got, pkts)
    assert.equal(d.backlog, 0)
  })
  void test('enforces packet and backlog caps', () => {
    assert.throws(() => new TcpFrameDecoder({ maxPacket: 100 }).push(hex('0065')), {
      name: 'FramingLimitError',
    })
    assert.throws(() => new TcpFrameDecoder().push(hex('0000')), { name: 'FramingLimitError' })
    const d = new TcpFrameDecoder({ maxPacket: 1000, maxBacklog: 10 })
    assert.throws(() => d.push(Buffer.concat([hex('03e8'), Buffer.alloc(20)])), {
      name: 'FramingLimitError',
    })
  })
})

void describe('TLVs', () => {
  void test('EARLY_NEG_FLAGS with RESEND_WKC', () => {
    const t = decodeTlvs(hex('0001 0002 0001'))
    assert.ok(wantsWkcResend(t))
    assert.deepEqual(encodeTlvs(t), hex('000100020001'))
    assert.equal(EARLY_NEG_FLAG_RESEND_WKC, 1)
    assert.ok(!wantsWkcResend(decodeTlvs(hex('0009 0001 ff'))))
    assert.throws(() => decodeTlvs(hex('0001 0004 00')), { name: 'TruncatedPacketError' })
  })
})

void describe('fuzz: decoders only throw ProtocolError', () => {
  void test('50k random and mutated inputs', () => {
    const rand = prng(0xc0ffee)
    const seeds = [
      hex('38 6891923fa3103437 00 00000000'),
      hex('20 7819bf2ebcd19a45 01 00000000 eafebfa4418ae31b 00000001 160301'),
      hex('28 aeb9afe1f01d79c8 03 00000000 00000001 00000002 dd85db535623b02e'),
      hex('49123456 00000001'),
    ]
    const decoders: Array<(b: Buffer) => unknown> = [
      decodeControlPacket,
      decodeDataHeader,
      decodeTlvs,
      (b) => decodeLongPacketId(b),
      (b) => new TcpFrameDecoder({ maxPacket: 2048, maxBacklog: 4096 }).push(b),
    ]
    for (let i = 0; i < 50000; i++) {
      let input: Buffer
      if (i % 2 === 0) input = randomBuffer(rand, 80)
      else {
        input = Buffer.from(seeds[i % seeds.length] ?? Buffer.alloc(0))
        const flips = 1 + Math.floor(rand() * 3)
        for (let f = 0; f < flips && input.length > 0; f++) {
          input[Math.floor(rand() * input.length)] = Math.floor(rand() * 256)
        }
        if (rand() < 0.3) input = input.subarray(0, Math.floor(rand() * input.length))
      }
      for (const decode of decoders) {
        try {
          decode(input)
        } catch (err) {
          assert.ok(err instanceof ProtocolError, `unexpected ${String(err)}`)
        }
      }
    }
  })
})
