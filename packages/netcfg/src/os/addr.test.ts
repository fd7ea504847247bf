/** Unit tests for the address helpers (network normalisation, resolve1 bytes). */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { addressBytes, familyOf, networkOf } from './addr.js'

void test('networkOf clears host bits (v4 and v6)', () => {
  assert.equal(networkOf(4, '10.1.2.3', 24), '10.1.2.0')
  assert.equal(networkOf(4, '10.1.2.3', 0), '0.0.0.0')
  assert.equal(networkOf(4, '128.1.2.3', 1), '128.0.0.0')
  assert.equal(networkOf(4, '10.1.2.3', 32), '10.1.2.3')
  assert.equal(networkOf(6, '2001:db8:1:2::5', 64), '2001:db8:1:2::')
  assert.equal(networkOf(6, '8000::1', 1), '8000::')
  assert.equal(networkOf(6, '::1', 0), '::')
  assert.equal(networkOf(6, '2001:db8::ffff:1.2.3.4', 128), '2001:db8::ffff:102:304')
})

void test('familyOf and prefix checks reject bad input with the value quoted', () => {
  assert.equal(familyOf('198.18.0.1', false), 4)
  assert.equal(familyOf('2001:db8::1', true), 6)
  assert.throws(() => familyOf('2001:db8::1', false), /not an IPv4 address: '2001:db8::1'/)
  assert.throws(() => networkOf(4, '1.2.3.4', 33), { name: 'InvalidNetworkInputError' })
})

void test('addressBytes', () => {
  assert.deepEqual(addressBytes(4, '198.18.0.53'), [198, 18, 0, 53])
  const v6 = addressBytes(6, '2001:db8::53')
  assert.equal(v6.length, 16)
  assert.deepEqual(v6.slice(0, 4), [0x20, 0x01, 0x0d, 0xb8])
  assert.equal(v6[15], 0x53)
})
