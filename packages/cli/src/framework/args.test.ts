/** Option parser: long/short forms, values, repeats, booleans, errors. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseArgs } from './args.js'
import type { OptionSpec } from './command.js'
import { UsageError } from './errors.js'

const specs: OptionSpec[] = [
  { name: 'config', short: 'c', arg: 'required', help: '' },
  { name: 'path', short: 'o', aliases: ['config-path'], arg: 'required', help: '' },
  { name: 'persistent', short: 'p', help: '' },
  { name: 'verbose', short: 'v', help: '' },
  { name: 'tag', arg: 'required', multiple: true, help: '' },
  { name: 'log-level', arg: 'optional', help: '' },
  { name: 'dco', arg: 'required', help: '' },
]

void test('long, short, =, bundled, aliases, repeats, optional values', () => {
  const a = parseArgs(
    [
      '--config',
      'a.ovpn',
      '-pv',
      '--tag=x',
      '--tag',
      'y',
      '--config-path',
      '/p',
      '--log-level',
      '--dco',
      'yes',
      '--',
      '-z',
    ],
    specs
  )
  assert.equal(a.get('config'), 'a.ovpn')
  assert.equal(a.has('persistent'), true)
  assert.equal(a.has('verbose'), true)
  assert.deepEqual(a.all('tag'), ['x', 'y'])
  assert.equal(a.get('path'), '/p')
  assert.equal(a.has('log-level'), true)
  assert.equal(a.get('log-level'), undefined)
  assert.equal(a.bool('dco'), true)
  assert.deepEqual(a.positionals, ['-z'])
  assert.equal(parseArgs(['-cfile'], specs).get('config'), 'file')
  assert.equal(parseArgs(['--log-level', '5'], specs).get('log-level'), '5')
  assert.equal(parseArgs(['-c', 'a', '-c', 'b'], specs).get('config'), 'b')
})

void test('errors are UsageErrors with exit code 2', () => {
  for (const argv of [['--nope'], ['-x'], ['--config'], ['--persistent=1'], ['-c']]) {
    assert.throws(
      () => parseArgs(argv, specs),
      (e: unknown) => e instanceof UsageError && e.exitCode === 2
    )
  }
  assert.throws(() => parseArgs(['--dco', 'maybe'], specs).bool('dco'), /expects true or false/)
})
