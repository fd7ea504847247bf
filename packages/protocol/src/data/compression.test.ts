/** Round trips of the compression stubs (spec §14). */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { deframe, frame } from './compression.js'

void test('every framing mode round-trips and marks bytes as spec §14 says', () => {
  const payloads = [Buffer.from([0x45, 1, 2, 3]), Buffer.from([0x50, 9]), Buffer.from([7])]
  for (const mode of ['none', 'lzo-no', 'stub', 'stub-v2'] as const) {
    for (const p of payloads) assert.deepEqual(deframe(mode, frame(mode, p)), p)
  }
  assert.deepEqual(frame('stub', Buffer.from([1, 2, 3])), Buffer.from([0xfb, 2, 3, 1]))
  assert.deepEqual(frame('lzo-no', Buffer.from([1])), Buffer.from([0xfa, 1]))
  assert.deepEqual(frame('stub-v2', Buffer.from([0x50, 1])), Buffer.from([0x50, 0, 0x50, 1]))
  assert.throws(() => deframe('lzo-no', Buffer.from([0x66, 1])), { name: 'MalformedPacketError' })
})
