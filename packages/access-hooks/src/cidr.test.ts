import { strict as assert } from 'node:assert'
import { describe, test } from 'node:test'
import { CidrSet, InvalidCidrError, parseCidr } from './cidr.js'
import { InvalidTimeWindowError, inWindow, parseTimeWindow } from './time-window.js'

void describe('CIDR sets', () => {
  void test('IPv4, IPv6, single addresses and IPv4-mapped IPv6', () => {
    const s = new CidrSet(['192.0.2.0/24', '2001:db8::/32', '198.51.100.7'])
    assert.ok(s.has('192.0.2.200'))
    assert.ok(s.has('::ffff:192.0.2.1'))
    assert.ok(!s.has('192.0.3.1'))
    assert.ok(s.has('2001:db8::1'))
    assert.ok(!s.has('2001:db9::1'))
    assert.ok(s.has('198.51.100.7'))
    assert.ok(!s.has('198.51.100.8'))
    assert.ok(!s.has('not-an-ip'))
  })

  void test('invalid CIDRs are named errors quoting the value', () => {
    assert.throws(() => parseCidr('192.0.2.0/33'), InvalidCidrError)
    assert.throws(() => parseCidr('300.0.0.1'), /300\.0\.0\.1/)
    assert.throws(() => parseCidr('10.0.0.0/x'), InvalidCidrError)
  })
})

void describe('time windows', () => {
  void test('weekday ranges, lists and midnight crossing (UTC)', () => {
    const w = parseTimeWindow('mon-fri 08:00-18:00')
    assert.ok(inWindow(w, new Date('2026-11-23T09:00:00Z'), true)) // Monday
    assert.ok(!inWindow(w, new Date('2026-11-23T18:00:00Z'), true))
    assert.ok(!inWindow(w, new Date('2026-11-22T09:00:00Z'), true)) // Sunday
    const night = parseTimeWindow('sat 22:00-02:00')
    assert.ok(inWindow(night, new Date('2026-11-21T23:00:00Z'), true)) // Saturday 23:00
    assert.ok(inWindow(night, new Date('2026-11-22T01:00:00Z'), true)) // Sunday 01:00 belongs to Saturday
    assert.ok(!inWindow(night, new Date('2026-11-22T03:00:00Z'), true))
    assert.ok(inWindow(parseTimeWindow('* 00:00-24:00'), new Date(), false))
    assert.ok(
      inWindow(parseTimeWindow('sun,tue 10:00-11:00'), new Date('2026-11-24T10:30:00Z'), true)
    )
  })

  void test('bad windows are rejected with the text', () => {
    assert.throws(() => parseTimeWindow('funday 08:00-09:00'), InvalidTimeWindowError)
    assert.throws(() => parseTimeWindow('mon 25:00-26:00'), /25:00/)
    assert.throws(() => parseTimeWindow('mon'), InvalidTimeWindowError)
  })
})
