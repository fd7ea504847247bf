/**
 * The user-input queue (spec §6.5, §6.3): per-(type, group) IDs, pending pairs, Fetch/Provide
 * with upstream's exact error texts and domain, control characters stripped from answers.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { ErrorDomain, ServiceError } from '@openvpn3-ts/dbus'
import { InputQueue, stripControl } from './input-queue.js'

function throwsText(fn: () => unknown, text: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ServiceError)
    assert.equal(err.domain, ErrorDomain.REQUEST)
    assert.equal(err.text, text)
    return true
  })
}

void test('slot IDs count per (type, group); pending pairs in creation order', () => {
  const q = new InputQueue()
  assert.equal(q.add(1, 1, 'username', 'Auth User name', false), 0)
  assert.equal(q.add(1, 1, 'password', 'Auth Password', true), 1)
  assert.equal(q.add(1, 4, 'static_challenge', 'PIN', true), 0)
  assert.equal(q.add(1, 5, 'dynamic_challenge_cookie', '', true, 'cookie'), 0)
  assert.deepEqual(q.typeGroups(), [
    [1, 1],
    [1, 4],
  ])
  assert.deepEqual(q.check(1, 1), [0, 1])
  assert.deepEqual(q.check(1, 5), [])
  assert.equal(q.pendingCount, 3)
  assert.deepEqual(q.fetch(1, 4, 0), [1, 4, 0, 'static_challenge', 'PIN', true])
})

void test('provide: errors in upstream order and texts; values cleaned', () => {
  const q = new InputQueue()
  q.add(1, 1, 'username', 'Auth User name', false)
  q.add(1, 1, 'password', 'Auth Password', true)
  throwsText(
    () => q.provide(1, 1, 0, '\n\t'),
    'net.openvpn.v3.error.invalid-input: No value provided for RequiresSlot ID 0'
  )
  throwsText(() => q.provide(1, 3, 0, 'x'), 'User input not required')
  throwsText(
    () => q.provide(1, 1, 5, 'x'),
    'net.openvpn.v3.invalid-input: No matching entry found in the request queue'
  )
  q.provide(1, 1, 0, 'user\r\n')
  assert.equal(q.value(1, 'username'), 'user')
  throwsText(
    () => q.provide(1, 1, 0, 'again'),
    'net.openvpn.v3.error.input-already-provided: Request ID 0 has already been provided'
  )
  throwsText(() => q.fetch(1, 1, 0), 'net.openvpn.v3.already-provided: User input already provided')
  throwsText(
    () => q.fetch(1, 1, 9),
    'net.openvpn.v3.element-not-found: No requires queue element found'
  )
  q.provide(1, 1, 1, 'pw')
  assert.equal(q.pendingCount, 0)
  throwsText(() => q.provide(1, 1, 1, 'x'), 'User input not required')
  q.clearGroup(1)
  assert.deepEqual(q.check(1, 1), [0, 1])
  q.removeGroup(1)
  assert.deepEqual(q.typeGroups(), [])
})

void test('stripControl removes C0 controls and DEL', () => {
  assert.equal(stripControl('a\u0000b\u001fc\u007fd\n'), 'abcd')
})
