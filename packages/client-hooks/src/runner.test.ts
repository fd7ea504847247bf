import { test, describe, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runHook, runParts } from './runner.js'

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

void describe('runHook / runParts', () => {
  let dir: string
  const uid = process.getuid?.() ?? 0
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovpn3-hooks-run-'))
    chmodSync(dir, 0o755)
  })
  after(() => rmSync(dir, { recursive: true, force: true }))

  const put = (name: string, body: string, sub = dir) => {
    const p = join(sub, name)
    writeFileSync(p, `#!/bin/sh\n${body}\n`)
    chmodSync(p, 0o755)
    return p
  }

  void test('exact environment, no shell interpolation, exit code and output', async () => {
    const hook = put('env', 'env | sort; echo "arg count $#"; exit 3')
    const env = { PATH: '/usr/bin:/bin', OPENVPN3_CONFIG_NAME: '$(touch /tmp/pwned-hooks); `id`' }
    const r = await runHook(hook, env, { timeoutMs: 5000 })
    assert.equal(r.code, 3)
    assert.equal(r.timedOut, false)
    const lines = r.output.split('\n')
    assert.deepEqual(
      lines.filter(
        (l) => !l.startsWith('PWD=') && !l.startsWith('SHLVL=') && l !== '_=/usr/bin/env'
      ),
      ['OPENVPN3_CONFIG_NAME=$(touch /tmp/pwned-hooks); `id`', 'PATH=/usr/bin:/bin', 'arg count 0']
    )
  })

  void test('timeout kills the whole process group, output is truncated', async () => {
    const pidFile = join(dir, 'child.pid')
    const hook = put(
      'slow',
      `sleep 30 & echo $! > ${pidFile}; i=0; while [ $i -lt 200 ]; do echo 0123456789; i=$((i+1)); done; wait`
    )
    const r = await runHook(
      hook,
      { PATH: '/usr/bin:/bin' },
      { timeoutMs: 500, graceMs: 300, maxOutput: 100 }
    )
    assert.equal(r.timedOut, true)
    assert.equal(r.signal, 'SIGTERM')
    assert.ok(r.durationMs >= 450 && r.durationMs < 3000, `duration ${r.durationMs}`)
    assert.equal(r.truncated, true)
    assert.ok(r.output.length <= 100)
    const child = Number(readFileSync(pidFile, 'utf8'))
    const deadline = Date.now() + 2000
    while (alive(child) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50))
    assert.equal(alive(child), false, 'background child of the hook was killed too')
  })

  void test('a hook ignoring SIGTERM gets SIGKILL after the grace period', async () => {
    const hook = put('stubborn', "trap '' TERM; while :; do sleep 0.1; done")
    const r = await runHook(hook, { PATH: '/usr/bin:/bin' }, { timeoutMs: 300, graceMs: 300 })
    assert.equal(r.timedOut, true)
    assert.equal(r.signal, 'SIGKILL')
    assert.ok(r.durationMs < 3000)
  })

  void test('runParts runs in name order, sequentially, and reports refused hooks', async () => {
    const sub = mkdtempSync(join(dir, 'parts-'))
    chmodSync(sub, 0o755)
    const log = join(dir, 'order.log')
    put('20-second', `echo second >> ${log}`, sub)
    put('10-first', `sleep 0.2; echo first >> ${log}`, sub)
    const bad = put('30-groupw', `echo bad >> ${log}`, sub)
    chmodSync(bad, 0o775)
    const rep = await runParts(sub, uid, { PATH: '/usr/bin:/bin' }, { timeoutMs: 5000 })
    assert.equal(readFileSync(log, 'utf8'), 'first\nsecond\n')
    assert.deepEqual(
      rep.results.map((r) => [r.path.slice(sub.length + 1), r.code]),
      [
        ['10-first', 0],
        ['20-second', 0],
      ]
    )
    assert.equal(rep.refused.length, 1)
  })

  void test('a hook that cannot be executed is reported, not thrown', async () => {
    const p = join(dir, 'badinterp')
    writeFileSync(p, '#!/nonexistent/interpreter\n')
    chmodSync(p, 0o755)
    const r = await runHook(p, {}, { timeoutMs: 2000 })
    assert.ok(r.spawnError !== undefined || r.code !== 0)
  })
})
