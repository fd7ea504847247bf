/**
 * Command line of openvpn3-service-log (spec §8.1): both flag forms, the `--color` and `-h`
 * spellings, and one LogConfigError naming every problem. (The settings-file merge is tested
 * in idle.test.ts.)
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { LogMethod } from './constants.js'
import { LogConfigError } from './errors.js'
import { parseOptions } from './options.js'

void test('flag forms and spellings', () => {
  const o = parseOptions([
    '--log-level=5',
    '--timestamp',
    '--color',
    '--log-file',
    '/tmp/x.log',
    '--no-logtag-prefix',
    '--service-log-dbus-details',
    '--idle-exit',
    '0.05',
    '-h',
  ])
  assert.deepEqual(o, {
    logLevel: 5,
    timestamp: true,
    colour: true,
    method: LogMethod.logfile,
    logFile: '/tmp/x.log',
    syslogFacility: 'LOG_DAEMON',
    dbusDetails: true,
    logtagPrefix: false,
    idleExitMin: 0.05,
    help: true,
  })
  const s = parseOptions(['--syslog', '--syslog-facility', 'LOG_LOCAL3', '--syslog-socket=/s'])
  assert.equal(s.method, LogMethod.syslog)
  assert.equal(s.syslogFacility, 'LOG_LOCAL3')
  assert.equal(s.syslogSocket, '/s')
  assert.equal(parseOptions(['--journald']).method, LogMethod.journald)
})

void test('a bad command line: one LogConfigError naming every problem', () => {
  assert.throws(
    () => parseOptions(['--log-level', '7', '--idle-exit', 'soon', '--bogus', '--log-file']),
    (err: unknown) => {
      assert.ok(err instanceof LogConfigError)
      assert.equal(
        err.message,
        "unknown option '--bogus'; --log-file: needs a value; " +
          "--log-level: invalid value '7' (expected a whole number from 0 to 6); " +
          "--idle-exit: invalid value 'soon' (expected minutes)"
      )
      return true
    }
  )
  assert.throws(() => parseOptions(['--timestamp=yes']), /--timestamp: takes no value/)
  assert.throws(() => parseOptions(['extra']), /unexpected argument 'extra'/)
})
