/** log-service.json handling (config-file.ts, spec §8.1): parse, every issue, atomic save. */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  loadConfig,
  parseConfig,
  parseConfigValue,
  saveConfig,
  setConfigValue,
} from './config-file.js'
import { LogConfigError } from './errors.js'

void describe('log-service.json', () => {
  void test('parses the upstream keys and reports every bad one', () => {
    assert.deepEqual(parseConfig('{"log_level":4,"timestamp":true,"log_file":"/var/log/x"}'), {
      log_level: 4,
      timestamp: true,
      log_file: '/var/log/x',
    })
    assert.throws(() => parseConfig('{'), LogConfigError)
    try {
      parseConfig('{"log_level":9,"journald":"yes","colour":true}')
      assert.fail('accepted')
    } catch (err) {
      assert.ok(err instanceof LogConfigError)
      for (const k of ['log_level', 'journald', 'colour']) assert.match(err.message, new RegExp(k))
    }
  })

  void test('values from --config-set text; journald and syslog exclusive', () => {
    assert.equal(parseConfigValue('timestamp', undefined), true)
    assert.equal(parseConfigValue('timestamp', 'false'), false)
    assert.equal(parseConfigValue('log_level', '5'), 5)
    assert.throws(() => parseConfigValue('log_level', 'x'), LogConfigError)
    assert.throws(() => parseConfigValue('log_file', undefined), LogConfigError)
    assert.throws(() => setConfigValue({}, 'log_level', 7), LogConfigError)
    assert.throws(() => setConfigValue({ syslog: true }, 'journald', true), LogConfigError)
    assert.deepEqual(setConfigValue({ log_level: 3 }, 'timestamp', true), {
      log_level: 3,
      timestamp: true,
    })
  })

  void test('missing file is empty; save writes JSON atomically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovpn3-logcfg-'))
    try {
      const p = join(dir, 'sub', 'log-service.json')
      assert.deepEqual(loadConfig(p), {})
      saveConfig(p, { log_level: 2, no_logtag_prefix: true })
      assert.deepEqual(JSON.parse(readFileSync(p, 'utf8')), {
        log_level: 2,
        no_logtag_prefix: true,
      })
      assert.deepEqual(loadConfig(p), { log_level: 2, no_logtag_prefix: true })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
