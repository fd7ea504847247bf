/**
 * The installed commands in `bin/` (shell launchers → dist/bundle/<program>.cjs, start.ts):
 * they run from the CommonJS start and the bundle, found through a symlink or PATH as npm
 * installs them; they drop NODE_EXTRA_CA_CERTS (the CLI makes no TLS connection); without a
 * usable bundle they run the modules; a reader that closes the pipe early ends nothing badly.
 * Needs `npm run build` (the root `npm test` builds first).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { REPO_ROOT } from '@openvpn3-ts/testkit'

const BIN = join(REPO_ROOT, 'packages/cli/bin')
const BUILT = existsSync(join(REPO_ROOT, 'packages/cli/dist/bundle/openvpn3.cjs'))

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

function run(
  cmd: string,
  args: string[],
  env: NodeJS.ProcessEnv = {},
  opts: { closeStdout?: boolean } = {}
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    if (opts.closeStdout) child.stdout.destroy()
    else child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

void describe('bin/ launchers', { skip: !BUILT && 'needs npm run build', timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ovpn3-bin-test-'))
  after(() => rmSync(dir, { recursive: true, force: true }))
  // prints the script Node runs (the launcher's choice) before the CLI starts
  const probe = join(dir, 'probe.cjs')
  writeFileSync(probe, 'process.stderr.write(`main=${process.argv[1]}\\n`)\n')

  void test('run from the CommonJS start, also through a symlink and PATH', async () => {
    const env = { NODE_OPTIONS: `--require ${probe}` }
    const direct = await run(join(BIN, 'openvpn3'), ['version'], env)
    assert.equal(direct.code, 0, direct.stderr)
    assert.match(direct.stdout, /^OpenVPN 3\/Linux v27 \(openvpn3-ts\)$/m)
    assert.match(direct.stderr, /main=.*\/packages\/cli\/dist\/bundle\/openvpn3\.cjs$/m)

    // npm links bin/ entries into node_modules/.bin
    const linkDir = join(dir, 'links')
    rmSync(linkDir, { recursive: true, force: true })
    mkdirSync(linkDir)
    symlinkSync(join(BIN, 'openvpn3-admin'), join(linkDir, 'openvpn3-admin'))
    const linked = await run(join(linkDir, 'openvpn3-admin'), ['version'], env)
    assert.equal(linked.code, 0, linked.stderr)
    assert.match(linked.stderr, /main=.*\/dist\/bundle\/openvpn3-admin\.cjs$/m)
    const onPath = await run('openvpn3-admin', ['version'], {
      ...env,
      PATH: `${linkDir}:${process.env['PATH'] ?? ''}`,
    })
    assert.equal(onPath.code, 0, onPath.stderr)
    assert.equal(onPath.stdout, linked.stdout)
  })

  void test('NODE_EXTRA_CA_CERTS is dropped (Node would read it at every start)', async () => {
    const env = { NODE_EXTRA_CA_CERTS: join(dir, 'no-such-bundle.pem') }
    // control: plain node reads the variable and warns about the missing file
    const plain = await run(
      process.execPath,
      [join(REPO_ROOT, 'packages/cli/dist/openvpn3.js'), 'version'],
      env
    )
    assert.equal(plain.code, 0)
    assert.match(plain.stderr, /extra certs/i)
    const launched = await run(join(BIN, 'openvpn3'), ['version'], env)
    assert.equal(launched.code, 0)
    assert.doesNotMatch(launched.stderr, /extra certs/i)
    assert.equal(launched.stdout, plain.stdout)
  })

  void test('without a usable bundle the modules run, with the same output', async () => {
    const bundled = await run(join(BIN, 'openvpn3'), ['session-start', '--help'])
    const modules = await run(join(BIN, 'openvpn3'), ['session-start', '--help'], {
      OPENVPN3_TS_BUNDLE: '0',
    })
    assert.equal(bundled.code, 0, bundled.stderr)
    assert.equal(modules.code, 0, modules.stderr)
    assert.match(bundled.stdout, /^Usage: openvpn3 session-start \[options\]$/m)
    assert.equal(modules.stdout, bundled.stdout)
    // and a command that fails says so the same way
    const a = await run(join(BIN, 'openvpn3'), ['sessions-list'])
    const b = await run(join(BIN, 'openvpn3'), ['sessions-list'], { OPENVPN3_TS_BUNDLE: '0' })
    // (the socket error underneath differs: the modules connect through usocket)
    for (const r of [a, b]) {
      assert.equal(r.code, 1)
      assert.match(
        r.stderr,
        /^openvpn3\/sessions-list: Could not connect to the D-Bus system bus: .*ENOENT.*\n$/
      )
    }
  })

  void test('a D-Bus command does not load node:crypto (only D-Bus cookie auth needs it)', async () => {
    const probe2 = join(dir, 'probe-crypto.cjs')
    writeFileSync(
      probe2,
      "process.on('exit', () => process.stderr.write(`crypto=${process.moduleLoadList.includes('NativeModule crypto')}\\n`))\n"
    )
    const r = await run(join(BIN, 'openvpn3'), ['sessions-list'], {
      NODE_OPTIONS: `--require ${probe2}`,
    })
    assert.equal(r.code, 1) // no bus here
    assert.match(r.stderr, /Could not connect to the D-Bus system bus/)
    assert.match(r.stderr, /^crypto=false$/m)
    // control: the same probe sees it when something loads it
    const c = await run(process.execPath, ['-e', "require('node:crypto')"], {
      NODE_OPTIONS: `--require ${probe2}`,
    })
    assert.match(c.stderr, /^crypto=true$/m)
  })

  void test('a reader that closes the pipe early: no stack trace, normal exit', async () => {
    const r = await run(join(BIN, 'openvpn3'), ['help'], {}, { closeStdout: true })
    assert.equal(r.stderr, '')
    assert.equal(r.code, 0)
  })
})
