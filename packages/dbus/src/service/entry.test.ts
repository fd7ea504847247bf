/**
 * Service start-up and exit, in real child processes: exit codes and what reaches stdout and
 * stderr for a run, `--help`, a bad command line and an unexpected error.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url))
const ENTRY_TS = fileURLToPath(new URL('./entry.ts', import.meta.url))
const OPTIONS_TS = fileURLToPath(new URL('./options.ts', import.meta.url))

/**
 * A service whose main returns `--code N` or throws for `--crash`; extra init as JS text.
 * (`node -e` puts its first argument after `--` where a script path would be.)
 */
function runService(argv: string[], extraInit = '') {
  const code = `
    import { z } from 'zod'
    import { runServiceMain } from ${JSON.stringify(ENTRY_TS)}
    import { parseServiceOptions } from ${JSON.stringify(OPTIONS_TS)}
    const Schema = z.object({
      code: z.coerce.number().int().default(0),
      crash: z.boolean().default(false),
      help: z.boolean().default(false),
    })
    runServiceMain(
      {
        program: 'demo-service',
        usage: 'Usage: demo-service [--code N] [--crash]',
        parse: (argv) => parseServiceOptions(argv, Schema),
        ${extraInit}
      },
      async (opts) => {
        if (opts.crash) throw new Error('boom')
        process.stdout.write('ran\\n')
        return opts.code
      }
    )
  `
  const p = spawnSync(
    process.execPath,
    [
      '--conditions=source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      code,
      '--',
      'script',
      ...argv,
    ],
    { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 30_000 }
  )
  return { status: p.status, stdout: p.stdout, stderr: p.stderr }
}

void describe('runServiceMain', { timeout: 120_000 }, () => {
  void test('runs the service and exits with its code', () => {
    assert.deepEqual(runService(['--code', '3']), { status: 3, stdout: 'ran\n', stderr: '' })
    assert.deepEqual(runService([]), { status: 0, stdout: 'ran\n', stderr: '' })
  })

  void test('--help prints the usage on stdout and does not run the service', () => {
    assert.deepEqual(runService(['--help']), {
      status: 0,
      stdout: 'Usage: demo-service [--code N] [--crash]\n',
      stderr: '',
    })
  })

  void test('a bad command line: every issue and the usage on stderr, exit 2', () => {
    const r = runService(['--bogus', '--code', 'x'])
    assert.equal(r.status, 2)
    assert.equal(r.stdout, '')
    assert.equal(
      r.stderr,
      `demo-service: unknown option '--bogus'; --code: invalid value 'x' (Invalid input: expected number, received NaN)\n` +
        'Usage: demo-service [--code N] [--crash]\n'
    )
    assert.equal(runService(['stray'], 'usageExitCode: 1').status, 1)
  })

  void test('an unexpected error is printed once with the program name, exit 1', () => {
    const r = runService(['--crash'])
    assert.equal(r.status, 1)
    assert.equal(r.stdout, '')
    assert.match(r.stderr, /^demo-service: Error: boom\n\s+at /)
    // an error of parse that is not a usage error is not answered with the usage text
    const p = runService([], `isUsageError: () => false, argv: ['--nope'],`)
    assert.equal(p.status, 1)
    assert.match(p.stderr, /^demo-service: UsageError: unknown option '--nope'\n/)
    assert.doesNotMatch(p.stderr, /Usage: demo-service/)
  })
})
