/** Command lines of the client (spec §6.1) and the starter (spec §5). */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { newBackendToken } from '@openvpn3-ts/dbus'
import { parseClientOptions } from './client-options.js'
import { BackendUsageError } from './errors.js'
import { parseStarterOptions } from './starter-options.js'

void test('client: exactly one valid token; options', () => {
  const t = newBackendToken()
  assert.deepEqual(parseClientOptions([t]), {
    token: t,
    logLevel: 3,
    colour: false,
    disableProtectSocket: false,
    tokenFromStdin: false,
  })
  const o = parseClientOptions([
    '--log-level',
    '6',
    '--log-file',
    'stdout:',
    '--disable-protect-socket',
    t,
  ])
  assert.equal(o.logLevel, 6)
  assert.equal(o.logFile, 'stdout:')
  assert.equal(o.disableProtectSocket, true)
  for (const bad of [
    [],
    [t, t],
    ['not-a-token'],
    ['--log-level', '7', t],
    ['--bogus', t],
    ['--token-from-stdin', t],
  ]) {
    assert.throws(() => parseClientOptions(bad), BackendUsageError, JSON.stringify(bad))
  }
  assert.equal(parseClientOptions(['--token-from-stdin']).tokenFromStdin, true)
})

void test('starter: defaults and client options passed through', () => {
  const d = parseStarterOptions([])
  assert.equal(d.logLevel, 3)
  assert.equal(d.idleExitSec, 30)
  assert.deepEqual(d.clientArgs, [])
  assert.equal(d.spareClients, 1)
  const o = parseStarterOptions([
    '--client-log-level',
    '5',
    '--client-log-file',
    '/tmp/x',
    '--client-colour',
    '--client-disable-protect-socket',
    '--client-setenv',
    'A=b=c',
    '--idle-exit',
    '0',
  ])
  assert.deepEqual(o.clientArgs, [
    '--log-level',
    '5',
    '--log-file',
    '/tmp/x',
    '--colour',
    '--disable-protect-socket',
  ])
  assert.deepEqual(o.clientEnv, { A: 'b=c' })
  assert.equal(o.idleExitSec, 0)
  assert.equal(parseStarterOptions(['--client-binary', '/bin/true']).spareClients, 0)
  for (const bad of [
    ['--log-level', 'x'],
    ['--client-setenv', 'noequals'],
    ['--client-runner', 'java'],
    ['pos'],
  ]) {
    assert.throws(() => parseStarterOptions(bad), BackendUsageError, JSON.stringify(bad))
  }
})

void test('starter and client: --flag=value; one error naming every problem', () => {
  const o = parseStarterOptions(['--log-level=5', '--client-runner=tsx', '--client-setenv=A=1'])
  assert.equal(o.logLevel, 5)
  assert.equal(o.clientRunner, 'tsx')
  assert.deepEqual(o.clientEnv, { A: '1' })
  assert.throws(
    () => parseStarterOptions(['--idle-exit', '86401', '--client-setenv', '=x', '--nope']),
    (err: unknown) => {
      assert.ok(err instanceof BackendUsageError)
      assert.match(err.message, /unknown option '--nope'/)
      assert.match(err.message, /--idle-exit: invalid value '86401'/)
      assert.match(err.message, /--client-setenv: invalid value '=x'/)
      return true
    }
  )
  const t = newBackendToken()
  assert.equal(parseClientOptions([`--log-level=0`, '--', t]).logLevel, 0)
  assert.throws(() => parseClientOptions(['--colour=1', t]), /--colour: takes no value/)
})
