/**
 * Error-name escaping and parsing (spec §1.4).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import {
  DBusCallError,
  ErrorDomain,
  PlainDBusError,
  ServiceError,
  escapeQuark,
  gdbusErrorName,
  parseGdbusError,
  toWireError,
  unescapeQuark,
} from './errors.js'

void describe('GDBus++ error names (spec §1.4)', () => {
  void test('the spec example', () => {
    assert.equal(
      gdbusErrorName('net.openvpn.v3.error.ready'),
      'org.gtk.GDBus.UnmappedGError.Quark._net_2eopenvpn_2ev3_2eerror_2eready.Code36'
    )
    assert.deepEqual(new ServiceError(ErrorDomain.READY, 'Missing user credentials').toWire(), {
      name: 'org.gtk.GDBus.UnmappedGError.Quark._net_2eopenvpn_2ev3_2eerror_2eready.Code36',
      message: 'GDBus.Error:net.openvpn.v3.error.ready: Missing user credentials',
    })
  })
  void test('escaping: - and . become _2d and _2e; round trip', () => {
    assert.equal(
      escapeQuark('net.openvpn.v3.error.be-registration'),
      'net_2eopenvpn_2ev3_2eerror_2ebe_2dregistration'
    )
    for (const d of Object.values(ErrorDomain)) assert.equal(unescapeQuark(escapeQuark(d)), d)
    assert.equal(unescapeQuark('bad_zz'), undefined)
  })
  void test('the openvpn2 marker lies past offset 67 of the message (spec §1.4)', () => {
    const e = new DBusCallError(
      gdbusErrorName(ErrorDomain.GDBUSPP),
      'GDBus.Error:net.openvpn.gdbuspp: x',
      'c'
    )
    assert.equal(e.domain, ErrorDomain.GDBUSPP)
    assert.equal(e.text, 'x')
    assert.ok(e.is(ErrorDomain.GDBUSPP))
  })
  void test('parse and map', () => {
    assert.equal(parseGdbusError('org.freedesktop.DBus.Error.Failed', 'x'), undefined)
    assert.deepEqual(toWireError(new Error('oops')), {
      name: gdbusErrorName(ErrorDomain.REQUEST),
      message: 'GDBus.Error:net.openvpn.gdbuspp.request: oops',
    })
    assert.deepEqual(new PlainDBusError('org.freedesktop.DBus.Error.AccessDenied', 'no').toWire(), {
      name: 'org.freedesktop.DBus.Error.AccessDenied',
      message: 'no',
    })
  })
})
