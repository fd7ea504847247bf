import { strict as assert } from 'node:assert'
import { describe, test } from 'node:test'
import { CommandTooLongError, InvalidCommandArgumentError } from '../errors.js'
import {
  clientAuth,
  clientAuthNt,
  clientDeny,
  clientKill,
  clientPendingAuth,
  crv1Challenge,
  parseCrv1Response,
  parseScrv1,
  quote,
} from './commands.js'

void describe('management commands', () => {
  void test('quote escapes backslash and double quote and strips control characters', () => {
    assert.equal(quote('a "b" \\c\nd'), '"a \\"b\\" \\\\c d"')
  })

  void test('client-deny carries log and client reason, log reason truncated to one token', () => {
    assert.equal(
      clientDeny(5, 1, 'bad pw', 'authentication failed'),
      'client-deny 5 1 "bad pw" "authentication failed"'
    )
    const line = clientDeny(5, 1, 'x'.repeat(600), 'r')
    assert.ok(line.length < 1024)
    assert.throws(() => clientDeny(5, 1, 'ok', 'y'.repeat(300)), CommandTooLongError)
  })

  void test('CID/KID must be unsigned 32-bit integers', () => {
    assert.throws(() => clientAuthNt(-1, 0), InvalidCommandArgumentError)
    assert.throws(() => clientAuthNt(1.5, 0), InvalidCommandArgumentError)
    assert.throws(() => clientAuthNt(2 ** 32, 0), InvalidCommandArgumentError)
    assert.equal(clientAuthNt(4294967295, 0), 'client-auth-nt 4294967295 0')
  })

  void test('client-auth block: config lines checked, END appended, END/newlines refused', () => {
    assert.equal(
      clientAuth(1, 2, ['session-timeout 60', 'push "route 10.0.0.0 255.0.0.0"']),
      'client-auth 1 2\nsession-timeout 60\npush "route 10.0.0.0 255.0.0.0"\nEND'
    )
    assert.throws(() => clientAuth(1, 2, ['END']), InvalidCommandArgumentError)
    assert.throws(() => clientAuth(1, 2, ['a\nb']), InvalidCommandArgumentError)
    assert.throws(() => clientAuth(1, 2, ['push "' + 'x'.repeat(1100) + '"']), CommandTooLongError)
  })

  void test('pending auth, kill, CRV1 round trip', () => {
    assert.equal(
      clientPendingAuth(3, 4, 'CR_TEXT:R,E:Code', 120),
      'client-pending-auth 3 4 "CR_TEXT:R,E:Code" 120'
    )
    assert.equal(clientKill(3), 'client-kill 3')
    assert.equal(clientKill(3, 'HALT,time is up'), 'client-kill 3 "HALT,time is up"')
    const c = crv1Challenge('abc123', 'alice', 'Enter code', true)
    assert.equal(c, `CRV1:R,E:abc123:${Buffer.from('alice').toString('base64')}:Enter code`)
    assert.throws(() => crv1Challenge('a:b', 'u', 't', true), InvalidCommandArgumentError)
    assert.deepEqual(parseCrv1Response('CRV1::abc123::654321'), {
      stateId: 'abc123',
      response: '654321',
    })
    assert.equal(parseCrv1Response('plain'), undefined)
    const s = `SCRV1:${Buffer.from('pw').toString('base64')}:${Buffer.from('123456').toString('base64')}`
    assert.deepEqual(parseScrv1(s), { password: 'pw', response: '123456' })
  })
})
