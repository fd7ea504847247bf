/**
 * The admin CLI: command dispatch with a fake io, and one real run of the executable with the
 * password on stdin.
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { runCli, type CliIo } from './cli.js'
import { openSqliteStore } from './store/sqlite.js'
import { verifyPassword } from './password.js'

const REPO = new URL('../../../', import.meta.url).pathname
const dir = mkdtempSync(join(tmpdir(), 'access-cli-'))
const db = join(dir, 'c.db')
const cfg = join(dir, 'config.json')
writeFileSync(
  cfg,
  JSON.stringify({
    store: { type: 'sqlite', path: db },
    passwordHashCost: 'min',
    totp: { issuer: 'Lab VPN' },
  })
)
after(() => rmSync(dir, { recursive: true, force: true }))

function io(secret = 'pw-1') {
  const out: string[] = []
  const err: string[] = []
  const x: CliIo = {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    readSecret: async () => secret,
    serve: async () => 0,
  }
  return { x, out, err }
}

const run = async (args: string[], secret?: string) => {
  const i = io(secret)
  const code = await runCli(['--config', cfg, ...args], i.x, '/nonexistent')
  return { code, out: i.out.join('\n'), err: i.err.join('\n') }
}

void describe('openvpn3-access CLI', () => {
  void test('users add/list/passwd/set-mac/set-totp/set-limits/remove', async () => {
    const add = await run([
      'users',
      'add',
      'alice',
      '--mac',
      '00-11-22-33-44-55',
      '--totp',
      '--daily-seconds',
      '7200',
    ])
    assert.equal(add.code, 0, add.err)
    assert.match(add.out, /totp uri: otpauth:\/\/totp\/Lab%20VPN:alice\?secret=[A-Z2-7]+/)
    assert.equal((await run(['users', 'add', 'alice'])).code, 1)
    const list = await run(['users', 'list'])
    assert.match(list.out, /^alice\t00:11:22:33:44:55\tyes\tno\t-\t-\t7200$/m)
    assert.equal((await run(['users', 'passwd', 'alice'], 'pw-2')).code, 0)
    assert.equal((await run(['users', 'set-mac', 'alice', 'aa:bb:cc:dd:ee:ff', 'zz'])).code, 1)
    assert.equal((await run(['users', 'set-mac', 'alice', 'aa:bb:cc:dd:ee:ff'])).code, 0)
    assert.equal((await run(['users', 'set-totp', 'alice', '--disable'])).code, 0)
    assert.equal(
      (
        await run([
          'users',
          'set-limits',
          'alice',
          '--max-sessions',
          '2',
          '--daily-seconds',
          'none',
        ])
      ).code,
      0
    )
    const s = openSqliteStore(db)
    const u = await s.getUser('alice')
    await s.close()
    assert.ok(u && (await verifyPassword(u.passwordHash, 'pw-2')))
    assert.deepEqual(
      [u?.macs, u?.totpSecret, u?.limits.maxSessions, u?.limits.dailySeconds],
      [['aa:bb:cc:dd:ee:ff'], null, 2, null]
    )
    const json = JSON.parse((await run(['users', 'list', '--json'])).out) as {
      username: string
      passwordHash?: string
    }[]
    assert.equal(json[0]?.username, 'alice')
    assert.equal(json[0]?.passwordHash, undefined)
    assert.equal((await run(['users', 'remove', 'alice'])).code, 0)
    assert.equal((await run(['users', 'remove', 'alice'])).code, 1)
  })

  void test('sessions list/kill', async () => {
    const s = openSqliteStore(db)
    await s.init()
    const id = await s.openSession({
      serverId: 'vpn1',
      serverPid: 1,
      connKey: 'mgmt:3',
      cid: 3,
      username: 'bob',
      commonName: 'cn',
      sourceIp: '192.0.2.2',
      sourcePort: 5,
      startedAt: 1795393454,
      expiresAt: null,
    })
    const list = await run(['sessions', 'list', '--active'])
    assert.match(
      list.out,
      new RegExp(`^${id}\\tvpn1\\tbob\\tcn\\t192\\.0\\.2\\.2:5\\t-\\tauthorised\\t`, 'm')
    )
    assert.equal((await run(['sessions', 'kill', String(id)])).code, 0)
    assert.equal((await s.getSession(id))?.killRequested, true)
    assert.equal((await run(['sessions', 'kill', '99999'])).code, 1)
    await s.close()
  })

  void test('check-config lists every problem; unknown commands print usage', async () => {
    const bad = join(dir, 'bad.json')
    writeFileSync(
      bad,
      JSON.stringify({
        management: { socket: '/x', host: 'h' },
        source: { allow: ['1.2.3.4/99'] },
        scripts: { connect: '/nonexistent' },
      })
    )
    const i = io()
    assert.equal(await runCli(['--config', bad, 'check-config'], i.x, ''), 1)
    assert.ok(i.err.length >= 1, i.err.join('\n'))
    const good = join(dir, 'good.json')
    writeFileSync(
      good,
      JSON.stringify({
        management: { socket: '/run/s.sock' },
        source: { allow: ['1.2.3.4/9'], deny: ['10.0.0.0/40'] },
        scripts: { connect: '/nonexistent' },
      })
    )
    const j = io()
    assert.equal(await runCli(['--config', good, 'check-config'], j.x, ''), 1)
    assert.deepEqual(j.err, [
      'error: source.deny.0: bad prefix length in "10.0.0.0/40"',
      'error: scripts.connect: "/nonexistent" is not an executable file',
    ])
    assert.equal((await run(['frobnicate'])).code, 2)
  })

  void test('the executable reads the password from stdin', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--conditions=source',
        '--import',
        'tsx',
        'packages/access-hooks/src/main.ts',
        '--config',
        cfg,
        'users',
        'add',
        'carol',
      ],
      {
        cwd: REPO,
        input: 'carol-pw\n',
        encoding: 'utf8',
        timeout: 30_000,
      }
    )
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /added user carol/)
  })
})
