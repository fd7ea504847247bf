/** Command line of openvpn3-service-sessionmgr: defaults, both flag forms, every bad value named. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { OPENVPN_USER, STATE_DIR } from '@openvpn3-ts/dbus'
import { USAGE, UsageError, parseOptions } from './options.js'

void test('defaults', () => {
  assert.deepEqual(parseOptions([]), {
    stateDir: `${STATE_DIR}/sessions`,
    idleMinutes: 3,
    logLevel: 3,
    openvpnUser: OPENVPN_USER,
    help: false,
  })
  assert.match(USAGE, /--openvpn-user NAME/)
})

void test('every option, as --flag value and --flag=value', () => {
  assert.deepEqual(
    parseOptions([
      '--state-dir',
      '/tmp/s',
      '--idle-exit=0.05',
      '--log-level',
      '6',
      '--openvpn-user=ovpn3-test',
      '--help',
    ]),
    { stateDir: '/tmp/s', idleMinutes: 0.05, logLevel: 6, openvpnUser: 'ovpn3-test', help: true }
  )
})

void test('a bad command line names every problem', () => {
  assert.throws(
    () => parseOptions(['--log-level', '7', '--idle-exit', '-1', '--bogus', 'x', '--state-dir=']),
    (err: unknown) => {
      assert.ok(err instanceof UsageError)
      assert.equal(err.issues.length, 5, err.message)
      assert.match(err.message, /--log-level: invalid value '7'/)
      assert.match(err.message, /--idle-exit: invalid value '-1'/)
      assert.match(err.message, /unknown option '--bogus'/)
      assert.match(err.message, /unexpected argument 'x'/)
      assert.match(err.message, /--state-dir: invalid value ''/)
      return true
    }
  )
  assert.throws(() => parseOptions(['--openvpn-user']), /--openvpn-user: needs a value/)
})
