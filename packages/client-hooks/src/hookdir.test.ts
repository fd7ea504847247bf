import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { scanHookDir } from './hookdir.js'

const NOBODY = 65534
const isRoot = process.getuid?.() === 0
const script = '#!/bin/sh\nexit 0\n'

void describe('scanHookDir', () => {
  let root: string
  before(() => {
    root = mkdtempSync(join(tmpdir(), 'ovpn3-hooks-dir-'))
  })
  after(() => rmSync(root, { recursive: true, force: true }))

  const mkdir = (name: string, mode = 0o755) => {
    const d = join(root, name)
    mkdirSync(d)
    chmodSync(d, mode)
    return d
  }
  const put = (dir: string, name: string, mode = 0o755) => {
    const p = join(dir, name)
    writeFileSync(p, script)
    chmodSync(p, mode)
    return p
  }

  void test('run-parts names and byte order; non-executables, dirs and odd names skipped', async () => {
    const d = mkdir('order')
    for (const n of ['20-b', '10-a', 'B', 'a_1', '9']) put(d, n)
    put(d, 'notes.txt')
    put(d, 'old~')
    put(d, '.hidden')
    put(d, '30-noexec', 0o644)
    mkdirSync(join(d, '40-subdir'))
    const scan = await scanHookDir(d, process.getuid?.() ?? 0)
    assert.deepEqual(
      scan.runnable.map((p) => p.slice(d.length + 1)),
      ['10-a', '20-b', '9', 'B', 'a_1']
    )
    assert.deepEqual(scan.refused, [])
    assert.equal(scan.dirProblem, undefined)
  })

  void test('refuses group/other-writable files and files of other users', async (t) => {
    if (!isRoot) return void t.skip('needs root (chown)')
    const d = mkdir('perm')
    put(d, '10-ok')
    put(d, '20-groupw', 0o775)
    put(d, '30-otherw', 0o757)
    const foreign = put(d, '40-foreign')
    chownSync(foreign, NOBODY, NOBODY)
    const scan = await scanHookDir(d, 1234)
    assert.deepEqual(scan.runnable, [join(d, '10-ok')], 'root-owned files are fine for uid 1234')
    assert.deepEqual(
      scan.refused.map((r) => [r.path.slice(d.length + 1), r.reason.split(' (')[0]]),
      [
        ['20-groupw', 'file writable by group or others'],
        ['30-otherw', 'file writable by group or others'],
        ['40-foreign', 'file owned by uid 65534'],
      ]
    )
    const asNobody = await scanHookDir(d, NOBODY)
    assert.ok(asNobody.runnable.includes(foreign), 'own files are fine')
  })

  void test('refuses the whole directory when it is unsafe or missing', async (t) => {
    if (!isRoot) return void t.skip('needs root (chown)')
    const w = mkdir('dirw', 0o777)
    put(w, '10-x')
    assert.match((await scanHookDir(w, 0)).dirProblem ?? '', /writable by group or others/)
    const f = mkdir('dirforeign')
    put(f, '10-x')
    chownSync(f, NOBODY, NOBODY)
    const scan = await scanHookDir(f, 1234)
    assert.match(scan.dirProblem ?? '', /owned by uid 65534/)
    assert.deepEqual(scan.runnable, [])
    assert.equal((await scanHookDir(join(root, 'nope'), 0)).dirProblem, 'missing')
  })

  void test('symlinks: target checked, target directory checked, dangling refused', async () => {
    const d = mkdir('links')
    const safe = mkdir('safe-target')
    const unsafe = mkdir('unsafe-target', 0o777)
    symlinkSync(put(safe, 'real'), join(d, '10-good'))
    symlinkSync(put(unsafe, 'real'), join(d, '20-bad'))
    symlinkSync(join(root, 'missing'), join(d, '30-dangling'))
    const scan = await scanHookDir(d, 0)
    assert.deepEqual(scan.runnable, [join(d, '10-good')])
    assert.deepEqual(
      scan.refused.map((r) => [r.path.slice(d.length + 1), r.reason.split(' (')[0]]),
      [
        ['20-bad', 'symlink target directory writable by group or others'],
        ['30-dangling', 'dangling symlink'],
      ]
    )
  })
})
