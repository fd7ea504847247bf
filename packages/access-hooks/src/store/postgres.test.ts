/**
 * The PostgreSQL store against a real PostgreSQL server started for this test: initdb in a
 * temp dir, listening on 127.0.0.1 only, run as the `postgres` account, stopped by PID.
 * Skipped when not root or when no PostgreSQL binaries are installed
 * (ACCESS_PG_BIN overrides the default /usr/lib/postgresql/15/bin).
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe } from 'node:test'
import { pollUntil } from '@openvpn3-ts/testkit'
import { openPostgresStore } from './postgres.js'
import { storeContract } from './store-contract.js'

const BIN = process.env.ACCESS_PG_BIN ?? '/usr/lib/postgresql/15/bin'
const pgUser = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
const available = process.getuid?.() === 0 && existsSync(join(BIN, 'initdb')) && pgUser.status === 0
const uid = Number(pgUser.stdout.trim())
const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim())
const port = 20000 + (process.pid % 20000)
let dir = ''
let server: ChildProcess | undefined
let db = 0

before(async () => {
  if (!available) return
  dir = mkdtempSync(join(tmpdir(), 'access-pg-'))
  chownSync(dir, uid, gid)
  const data = join(dir, 'data')
  const init = spawnSync(
    join(BIN, 'initdb'),
    ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'],
    {
      uid,
      gid,
      encoding: 'utf8',
      timeout: 60_000,
    }
  )
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`)
  server = spawn(
    join(BIN, 'postgres'),
    ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-c', 'fsync=off'],
    {
      uid,
      gid,
      stdio: 'ignore',
    }
  )
  await pollUntil(
    'postgres ready',
    () =>
      spawnSync(join(BIN, 'pg_isready'), ['-h', '127.0.0.1', '-p', String(port)]).status === 0
        ? true
        : undefined,
    { timeoutMs: 30_000, intervalMs: 200 }
  )
})

after(async () => {
  if (server?.pid !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r))
    process.kill(server.pid, 'SIGTERM')
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
    if (server.exitCode === null) process.kill(server.pid, 'SIGKILL')
  }
  if (dir) rmSync(dir, { recursive: true, force: true })
})

void describe(
  'PostgreSQL store',
  { skip: available ? false : 'needs root and PostgreSQL binaries' },
  () => {
    storeContract(async () => {
      const name = `access_${process.pid}_${++db}`
      const admin = spawnSync(join(BIN, 'createdb'), [
        '-h',
        '127.0.0.1',
        '-p',
        String(port),
        '-U',
        'postgres',
        name,
      ])
      if (admin.status !== 0) throw new Error(`createdb failed: ${String(admin.stderr)}`)
      const s = openPostgresStore(`postgres://postgres@127.0.0.1:${port}/${name}`)
      await s.init()
      return s
    })
  }
)
