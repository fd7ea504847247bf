/**
 * Signature splitting, validation and value schemas.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { isValidSignature, schemaForBody, splitSignature } from './signature.js'
import type { SigTuple, SigType } from './signature.js'

// compile-time checks of the type-level parser
const _a: SigType<'a{sv}'> = {}
const _b: SigType<'(uus)'> = [1, 2, 'x']
const _c: SigTuple<'sa(suibb)t'> = ['x', [['10.0.0.0', 8, -1, false, true]], 1n]
const _d: SigType<'ay'> = Buffer.alloc(0)
void [_a, _b, _c, _d]

void describe('signatures', () => {
  void test('split into complete types', () => {
    assert.deepEqual(splitSignature('sa{sv}(uus)a(suibb)h'), [
      's',
      'a{sv}',
      '(uus)',
      'a(suibb)',
      'h',
    ])
    assert.deepEqual(splitSignature(''), [])
  })
  void test('reject malformed signatures', () => {
    for (const bad of ['a', '(', '()', 'a{s}', 'a{svv}', 'z', '(s'])
      assert.equal(isValidSignature(bad), false, bad)
  })
  void test('value schemas check ranges and shapes', () => {
    assert.equal(schemaForBody('uq').safeParse([1, 65535]).success, true)
    assert.equal(schemaForBody('q').safeParse([65536]).success, false)
    assert.equal(schemaForBody('u').safeParse([-1]).success, false)
    assert.equal(schemaForBody('t').safeParse([2n ** 64n - 1n]).success, true)
    assert.equal(schemaForBody('(uus)').safeParse([[1, 2, 'x']]).success, true)
    assert.equal(schemaForBody('(uus)').safeParse([[1, 'x']]).success, false)
    assert.equal(schemaForBody('a{ss}').safeParse([{ a: 'b' }]).success, true)
    assert.equal(schemaForBody('as').safeParse([['a', 1]]).success, false)
  })
})
