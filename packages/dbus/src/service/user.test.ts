/**
 * The service account: passwd look-up, and real switches to the `ovpn3-test` and `openvpn`
 * accounts done by child processes started as root (a switch cannot be undone in-process).
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { UnknownServiceUserError, lookupServiceUser, type ServiceUser } from './user.js'

const REPO = fileURLToPath(new URL('../../../../', import.meta.url))
const USER_TS = fileURLToPath(new URL('./user.ts', import.meta.url))

function account(name: string): ServiceUser | undefined {
  try {
    return lookupServiceUser(name)
  } catch {
    return undefined
  }
}

interface ChildReport {
  result?: ServiceUser | null
  error?: { name: string; message: string; user?: string }
  preparedAs?: number
  uid: number
  euid: number
  gid: number
  egid: number
  groups: number[]
  regainRoot: string
  wrote?: boolean
}

/**
 * Runs `dropToServiceUser(name)` in a fresh process (as `as`, default root) whose `prepare`
 * hands `dir` to the account; reports the identity afterwards and whether it can write there.
 */
function dropInChild(name: string, dir: string, as?: ServiceUser): ChildReport {
  const code = `
    import { writeFileSync } from 'node:fs'
    import { join } from 'node:path'
    import { chownSync } from 'node:fs'
    import { dropToServiceUser } from ${JSON.stringify(USER_TS)}
    const dir = ${JSON.stringify(dir)}
    const r = {}
    try {
      r.result = dropToServiceUser(${JSON.stringify(name)}, {
        prepare: (u) => { r.preparedAs = process.getuid(); chownSync(dir, u.uid, u.gid) },
      }) ?? null
    } catch (err) {
      r.error = { name: err.name, message: err.message, user: err.user }
    }
    Object.assign(r, { uid: process.getuid(), euid: process.geteuid(), gid: process.getgid(),
      egid: process.getegid(), groups: process.getgroups() })
    try { process.setuid(0); r.regainRoot = 'yes' } catch (err) { r.regainRoot = err.code }
    try { writeFileSync(join(dir, 'written'), 'x'); r.wrote = true } catch { r.wrote = false }
    process.stdout.write(JSON.stringify(r))
  `
  const p = spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', '--input-type=module', '-e', code],
    {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 30_000,
      ...(as ? { uid: as.uid, gid: as.gid } : {}),
    }
  )
  assert.equal(p.status, 0, `child failed: ${p.stderr}`)
  return JSON.parse(p.stdout) as ChildReport
}

function withDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'ovpn3-user-'))
  try {
    return fn(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

void describe('lookupServiceUser', () => {
  void test('reads name, UID and primary group from a passwd file', () => {
    withDir((dir) => {
      const passwd = join(dir, 'passwd')
      writeFileSync(
        passwd,
        'root:x:0:0:root:/root:/bin/sh\nsvc:x:812:813::/nonexistent:/usr/sbin/nologin\nbad:x:a:1::/:/bin/sh\n'
      )
      assert.deepEqual(lookupServiceUser('svc', passwd), { name: 'svc', uid: 812, gid: 813 })
      assert.deepEqual(lookupServiceUser('root', passwd), { name: 'root', uid: 0, gid: 0 })
      for (const name of ['nobody-here', 'bad', 'sv', '']) {
        assert.throws(
          () => lookupServiceUser(name, passwd),
          (err: unknown) =>
            err instanceof UnknownServiceUserError &&
            err.user === name &&
            err.message === `user '${name}' not found`
        )
      }
      assert.throws(() => lookupServiceUser('svc', join(dir, 'missing')), {
        name: 'UnknownServiceUserError',
      })
    })
  })
})

void describe('dropToServiceUser (child processes)', { timeout: 120_000 }, () => {
  const isRoot = process.getuid?.() === 0

  for (const name of ['ovpn3-test', 'openvpn']) {
    void test(`root becomes ${name}: groups, GID and UID, for good`, (t) => {
      const user = account(name)
      if (!isRoot || !user) return t.skip(`needs root and the ${name} account (scripts/setup.sh)`)
      withDir((dir) => {
        const r = dropInChild(name, dir)
        assert.equal(r.error, undefined)
        assert.deepEqual(r.result, user)
        assert.equal(r.preparedAs, 0, 'prepare runs before the switch')
        assert.equal(statSync(dir).uid, user.uid)
        assert.deepEqual([r.uid, r.euid, r.gid, r.egid], [user.uid, user.uid, user.gid, user.gid])
        assert.ok(r.groups.includes(user.gid), `groups ${String(r.groups)}`)
        assert.ok(!r.groups.includes(0), 'root group kept')
        assert.equal(r.regainRoot, 'EPERM')
        assert.equal(r.wrote, true)
      })
    })
  }

  void test('an unknown account is a clear error and nothing changes', (t) => {
    if (!isRoot) return t.skip('needs root')
    withDir((dir) => {
      const r = dropInChild('no-such-user-ovpn3', dir)
      assert.deepEqual(r.error, {
        name: 'UnknownServiceUserError',
        message: `user 'no-such-user-ovpn3' not found`,
        user: 'no-such-user-ovpn3',
      })
      assert.equal(r.preparedAs, undefined)
      assert.deepEqual([r.uid, r.euid], [0, 0])
      assert.equal(r.regainRoot, 'yes')
    })
  })

  void test('root asked to become root only prepares', (t) => {
    if (!isRoot) return t.skip('needs root')
    withDir((dir) => {
      const r = dropInChild('root', dir)
      assert.deepEqual(r.result, { name: 'root', uid: 0, gid: 0 })
      assert.equal(r.preparedAs, 0)
      assert.deepEqual([r.uid, r.euid, r.gid], [0, 0, 0])
    })
  })

  void test('not root: a no-op that returns undefined', (t) => {
    const user = account('ovpn3-test')
    if (!isRoot || !user) return t.skip('needs root and the ovpn3-test account')
    withDir((dir) => {
      const r = dropInChild('openvpn', dir, user)
      assert.equal(r.error, undefined)
      assert.equal(r.result, null)
      assert.equal(r.preparedAs, undefined)
      assert.deepEqual([r.uid, r.euid, r.gid], [user.uid, user.uid, user.gid])
      assert.equal(r.wrote, false, 'the directory stayed root-owned')
    })
  })
})
