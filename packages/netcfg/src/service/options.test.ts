/** Options: command line over `<state-dir>/netcfg.json` (upstream format with `//` comments). */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfigFile, parseOptions } from './options.js'

void test('defaults', () => {
  const o = parseOptions([])
  assert.equal(o.logLevel, 4)
  assert.equal(o.idleExitMin, 5)
  assert.equal(o.redirectMethod, 'host-route')
  assert.equal(o.systemdResolved, false)
  assert.equal(o.resolvConf, undefined)
  assert.equal(o.configFile, '')
})

void test('netcfg.json gives defaults; the command line wins', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netcfg-opts-'))
  try {
    writeFileSync(
      join(dir, 'netcfg.json'),
      [
        '{',
        '//  Option --log-level :: Log verbosity',
        '"log_level": "6",',
        '//  Option --idle-exit :: Idle exit timer (minutes)',
        '"idle_exit": "0",',
        '//  Option --systemd-resolved :: Use systemd-resolved',
        '"systemd_resolved": true,',
        '"redirect_method": "bind-device"',
        '}',
      ].join('\n')
    )
    const o = parseOptions(['--state-dir', dir])
    assert.equal(o.configFile, join(dir, 'netcfg.json'))
    assert.equal(o.logLevel, 6)
    assert.equal(o.idleExitMin, 0)
    assert.equal(o.systemdResolved, true)
    assert.equal(o.redirectMethod, 'bind-device')
    const o2 = parseOptions(['--state-dir', dir, '--resolv-conf', '/tmp/x', '--log-level', '2'])
    assert.equal(o2.systemdResolved, false)
    assert.equal(o2.resolvConf, '/tmp/x')
    assert.equal(o2.logLevel, 2)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

void test('bad input is refused with the value quoted', () => {
  assert.throws(
    () => parseOptions(['--resolv-conf', 'a', '--systemd-resolved']),
    /mutually exclusive/
  )
  assert.throws(() => parseOptions(['--redirect-method', 'teleport']), /'teleport'/)
  assert.throws(() => parseOptions(['--log-level', '9']), /'9'/)
  assert.throws(() => parseOptions(['--bogus']), { name: 'NetcfgConfigError' })
  assert.throws(() => parseConfigFile('{"log_level": "x"}', 'f'), /f: log_level/)
  assert.throws(() => parseConfigFile('{', 'f'), /not valid JSON/)
})

void test('--flag=value forms; one NetcfgConfigError naming every bad flag', () => {
  const o = parseOptions(['--log-level=2', '--set-somark=7', '--run-as', 'openvpn', '--help'])
  assert.equal(o.logLevel, 2)
  assert.equal(o.setSomark, 7)
  assert.equal(o.runAs, 'openvpn')
  assert.equal(o.help, true)
  assert.throws(
    () => parseOptions(['--log-level', 'x', '--set-somark', '4294967296', '--idle-exit', '--x']),
    (err: unknown) => {
      assert.ok(err instanceof Error && err.name === 'NetcfgConfigError')
      assert.match(err.message, /unknown option '--x'/)
      assert.match(err.message, /--idle-exit: needs a value/)
      assert.match(err.message, /--log-level: invalid value 'x'/)
      assert.match(err.message, /--set-somark: invalid value '4294967296'/)
      return true
    }
  )
})
