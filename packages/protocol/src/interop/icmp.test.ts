/** ICMP builder/parser checks (RFC 791/792 checksums). */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { buildEchoRequest, internetChecksum, parseEchoReply } from './icmp.js'

void test('echo request has valid checksums and turns into a parsable reply', () => {
  const req = buildEchoRequest('198.18.1.2', '198.18.1.1', 0x1234, 7, Buffer.from('hello'))
  assert.equal(internetChecksum(req, 0, 20), 0)
  assert.equal(internetChecksum(req, 20, req.length), 0)
  assert.equal(parseEchoReply(req), undefined, 'a request is not a reply')
  const reply = Buffer.from(req)
  reply[20] = 0
  reply.writeUInt16BE(0, 22)
  reply.writeUInt16BE(internetChecksum(reply, 20, reply.length), 22)
  const r = parseEchoReply(reply)
  assert.deepEqual(r && { id: r.id, seq: r.seq, data: r.data.toString() }, {
    id: 0x1234,
    seq: 7,
    data: 'hello',
  })
  reply[30] = (reply[30] ?? 0) ^ 1
  assert.equal(parseEchoReply(reply), undefined, 'a corrupted reply is rejected')
})
