import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseOptions, UsageError } from './options.js'

void describe('parseOptions', () => {
  void test('defaults: /etc for root, XDG_CONFIG_HOME or ~/.config for users', () => {
    assert.equal(parseOptions([], 0, {})?.connectDir, '/etc/openvpn3/hooks/connect.d')
    assert.equal(
      parseOptions([], 1000, { XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/a' })?.disconnectDir,
      '/x/cfg/openvpn3/hooks/disconnect.d'
    )
    // a relative XDG_CONFIG_HOME is invalid per the XDG spec and ignored
    assert.equal(
      parseOptions([], 1000, { XDG_CONFIG_HOME: 'rel', HOME: '/home/a' })?.connectDir,
      '/home/a/.config/openvpn3/hooks/connect.d'
    )
    const o = parseOptions([], 1000, { HOME: '/home/a' })
    assert.deepEqual(o, {
      connectDir: '/home/a/.config/openvpn3/hooks/connect.d',
      disconnectDir: '/home/a/.config/openvpn3/hooks/disconnect.d',
      timeoutMs: 30_000,
      pollMs: 2000,
      statsMs: 10_000,
      maxOutput: 4096,
      verbose: false,
    })
  })

  void test('explicit directories and bounded numbers', () => {
    const o = parseOptions(
      ['--hooks-dir', '/h', '--disconnect-dir', '/d', '--timeout', '5', '--poll-interval', '300'],
      0,
      {}
    )
    assert.equal(o?.connectDir, '/h/connect.d')
    assert.equal(o?.disconnectDir, '/d')
    assert.equal(o?.timeoutMs, 5000)
    assert.equal(o?.pollMs, 300)
    assert.throws(() => parseOptions(['--timeout', '0'], 0, {}), UsageError)
    assert.throws(() => parseOptions(['--poll-interval', '50'], 0, {}), UsageError)
    assert.throws(() => parseOptions(['--max-output', 'lots'], 0, {}), UsageError)
    assert.throws(() => parseOptions(['--up', 'x'], 0, {}), UsageError)
    assert.throws(() => parseOptions(['extra'], 0, {}), UsageError)
    assert.equal(parseOptions(['--help'], 0, {}), undefined)
  })
})
