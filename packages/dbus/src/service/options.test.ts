/** Service command lines: flag forms, switches, repeated flags, aliases, every issue reported. */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { z } from 'zod'
import { UsageError, parseServiceOptions, wholeNumber } from './options.js'

const Schema = z.object({
  'state-dir': z.string().min(1).default('/var/lib/x'),
  'log-level': wholeNumber(6).default(3),
  'idle-exit': z.coerce.number().min(0).optional(),
  mode: z.enum(['a', 'b']).optional(),
  setenv: z.array(z.string().regex(/^[^=]+=/, 'expected NAME=VALUE')).optional(),
  colour: z.boolean().default(false),
  help: z.boolean().default(false),
})

function issuesOf(argv: string[], schema: z.ZodObject = Schema): readonly string[] {
  try {
    parseServiceOptions(argv, schema)
  } catch (err) {
    assert.ok(err instanceof UsageError, String(err))
    assert.equal(err.name, 'UsageError')
    assert.equal(err.message, err.issues.join('; '))
    return err.issues
  }
  assert.fail(`accepted ${JSON.stringify(argv)}`)
}

void describe('parseServiceOptions', () => {
  void test('defaults when nothing is given', () => {
    assert.deepEqual(parseServiceOptions([], Schema), {
      'state-dir': '/var/lib/x',
      'log-level': 3,
      colour: false,
      help: false,
    })
  })

  void test('--flag value, --flag=value, switches and repeated flags', () => {
    const o = parseServiceOptions(
      [
        '--state-dir',
        '/tmp/s',
        '--log-level=6',
        '--idle-exit',
        '0.5',
        '--colour',
        '--setenv',
        'A=1',
        '--setenv=B=x=y',
        '--mode',
        'b',
        '--log-level',
        '5',
      ],
      Schema
    )
    assert.equal(o['state-dir'], '/tmp/s')
    assert.equal(o['log-level'], 5, 'the last occurrence wins')
    assert.equal(o['idle-exit'], 0.5)
    assert.equal(o.colour, true)
    assert.deepEqual(o.setenv, ['A=1', 'B=x=y'])
    assert.equal(o.mode, 'b')
    // a value may start with a single dash; '--x=' gives the empty value
    assert.equal(parseServiceOptions(['--state-dir', '-'], Schema)['state-dir'], '-')
    assert.deepEqual(issuesOf(['--state-dir=']), [
      `--state-dir: invalid value '' (Too small: expected string to have >=1 characters)`,
    ])
  })

  void test('every problem is listed, each quoting the bad value', () => {
    assert.deepEqual(
      issuesOf([
        '--bogus',
        '--colour=yes',
        'stray',
        '--log-level',
        '9',
        '--mode',
        'c',
        '--setenv',
        'A=1',
        '--setenv',
        'noequals',
        '-x',
        '--state-dir',
      ]),
      [
        `unknown option '--bogus'`,
        `--colour: takes no value (got 'yes')`,
        `unknown option '-x'`,
        '--state-dir: needs a value',
        `unexpected argument 'stray'`,
        `--log-level: invalid value '9' (expected a whole number from 0 to 6)`,
        `--mode: invalid value 'c' (Invalid option: expected one of "a"|"b")`,
        `--setenv: invalid value 'noequals' (expected NAME=VALUE)`,
      ]
    )
    assert.deepEqual(issuesOf(['--log-level', '--colour']), ['--log-level: needs a value'])
    assert.deepEqual(issuesOf(['--log-level', '2x']), [
      `--log-level: invalid value '2x' (expected a whole number from 0 to 6)`,
    ])
    assert.deepEqual(issuesOf(['--idle-exit', 'soon']), [
      `--idle-exit: invalid value 'soon' (Invalid input: expected number, received NaN)`,
    ])
  })

  void test('a required flag that is missing is named', () => {
    assert.deepEqual(issuesOf([], z.object({ user: z.string() })), [
      '--user: Invalid input: expected string, received undefined',
    ])
  })

  void test('aliases and "--" ending the options', () => {
    const o = parseServiceOptions(['-h', '--color'], Schema, {
      aliases: { '-h': 'help', '--color': 'colour' },
    })
    assert.equal(o.help, true)
    assert.equal(o.colour, true)
    assert.deepEqual(issuesOf(['-h']), [`unknown option '-h'`])
    assert.deepEqual(issuesOf(['--', '--colour']), [`unexpected argument '--colour'`])
  })

  void test('positional arguments go to the named key, which is not a flag', () => {
    const Args = z.object({
      verbose: z.boolean().default(false),
      token: z.array(z.string().regex(/^-?t\d+$/)).max(1),
    })
    assert.deepEqual(parseServiceOptions(['--verbose', 't1'], Args, { positionals: 'token' }), {
      verbose: true,
      token: ['t1'],
    })
    assert.deepEqual(parseServiceOptions(['--', '-t2'], Args, { positionals: 'token' }).token, [
      '-t2',
    ])
    assert.throws(
      () => parseServiceOptions(['--token', 't1'], Args, { positionals: 'token' }),
      /unknown option '--token'/
    )
    assert.throws(
      () => parseServiceOptions(['x'], Args, { positionals: 'token' }),
      /^UsageError: argument: invalid value 'x'/
    )
    assert.throws(
      () => parseServiceOptions(['t1', 't2'], Args, { positionals: 'token' }),
      /argument: invalid value \["t1","t2"\] \(Too big/
    )
  })
})
