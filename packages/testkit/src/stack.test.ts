/**
 * Tests of startServiceStack: the picked services own their names under the expected UIDs with
 * their state in the stack's directory, a restart replaces the process, stop() leaves no process
 * or directory behind, and a start that fails half-way undoes what it made before it throws.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { isAlive } from './cleanup.js'
import { startServiceStack } from './stack.js'
import { lookupUser } from './users.js'

const canRun = process.getuid?.() === 0

/** Real UID of a running process (/proc/<pid>/status). */
function uidOf(pid: number): number {
  const m = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  assert.ok(m?.[1], `no Uid line for ${pid}`)
  return Number(m[1])
}

/** Our temp dirs (stack and bus) that still exist. */
function ourTempDirs(): string[] {
  return readdirSync(tmpdir()).filter(
    (n) => n.startsWith(`ovpn3-stack-${process.pid}-`) || n.startsWith(`ovpn3-bus-${process.pid}-`)
  )
}

/** PIDs of live processes whose command line mentions one of our temp dirs. */
function processesUsingOurDirs(): number[] {
  const marks = [`ovpn3-stack-${process.pid}-`, `ovpn3-bus-${process.pid}-`]
  const out: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    let cmdline: string
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8')
    } catch {
      continue
    }
    if (marks.some((m) => cmdline.includes(m)) && isAlive(Number(entry))) out.push(Number(entry))
  }
  return out
}

void describe('startServiceStack', { skip: !canRun && 'needs root' }, () => {
  void test('runs the picked services; restart; stop leaves nothing behind', async () => {
    const before = ourTempDirs()
    const stack = await startServiceStack({
      services: ['sessionmgr', 'configmgr', 'log'],
      args: { log: ['--log-level', '6'] },
    })
    try {
      assert.deepEqual(Object.keys(stack.pids()), ['log', 'configmgr', 'sessionmgr'])
      for (const name of ['log', 'configmgr', 'sessionmgr'] as const) {
        assert.ok(isAlive(stack.service(name).pid), `${name} runs`)
      }
      assert.throws(() => stack.service('netcfg'), TypeError)
      // (what the failure test below relies on to find leftovers)
      assert.deepEqual(
        processesUsingOurDirs().sort(),
        [...Object.values(stack.pids()), stack.bus.pid].sort()
      )
      assert.equal(statSync(stack.dir).mode & 0o777, 0o755)
      // the log service runs as the openvpn account (root without it) and owns its directory
      const openvpnUid = lookupUser('openvpn')?.uid ?? 0
      assert.equal(uidOf(stack.service('log').pid), openvpnUid)
      assert.equal(statSync(stack.paths.logStateDir).uid, openvpnUid)
      assert.ok(stack.paths.logFile.startsWith(`${stack.dir}/`))
      // the managers drop root themselves: configmgr to the openvpn account, sessionmgr is told
      // to stay root (it calls the starter, which only answers its own UID)
      assert.equal(uidOf(stack.service('sessionmgr').pid), 0)
      assert.ok(existsSync(stack.paths.configStateDir), 'configmgr made its state dir')
      assert.ok(!existsSync(stack.paths.resolvConf), 'no resolv.conf without netcfg')

      const old = stack.service('sessionmgr').pid
      const fresh = await stack.restart('sessionmgr')
      assert.notEqual(fresh.pid, old)
      assert.equal(isAlive(old), false)
      assert.equal(stack.service('sessionmgr'), fresh)
      await stack.bus.waitForName('net.openvpn.v3.sessions', { timeoutMs: 2000 })
    } finally {
      const pids = [...Object.values(stack.pids()), stack.bus.pid]
      await stack.stop()
      for (const pid of pids) assert.equal(isAlive(pid), false, `${pid} still alive`)
      assert.equal(existsSync(stack.dir), false)
      assert.deepEqual(ourTempDirs(), before)
      await stack.stop() // idempotent
      await assert.rejects(stack.restart('log'), TypeError)
    }
  })

  void test('runner dist: the services run from their compiled modules under plain node', async () => {
    const stack = await startServiceStack({ services: ['configmgr', 'log'], runner: 'dist' })
    try {
      for (const name of ['configmgr', 'log'] as const) {
        const argv = readFileSync(`/proc/${stack.service(name).pid}/cmdline`, 'utf8').split('\0')
        assert.equal(argv[0], process.execPath, `${name} runs under node itself`)
        assert.ok(argv[1]?.endsWith(`packages/${name}/dist/main.js`), `${name}: ${argv[1]}`)
        assert.ok(!argv.includes('tsx'), `${name} does not load tsx`)
      }
      await stack.bus.waitForName('net.openvpn.v3.configuration', { timeoutMs: 2000 })
    } finally {
      await stack.stop()
    }
  })

  void test('a service that fails to start: everything started so far is undone', async () => {
    const before = ourTempDirs()
    await assert.rejects(
      startServiceStack({
        services: ['log', 'configmgr'],
        args: { configmgr: ['--no-such-option'] },
      }),
      { name: 'ProcessExitedError' }
    )
    assert.deepEqual(processesUsingOurDirs(), [])
    assert.deepEqual(ourTempDirs(), before)
  })

  void test('netcfg outside a namespace is refused before anything starts', async () => {
    const before = ourTempDirs()
    await assert.rejects(startServiceStack({ services: ['netcfg'] }), TypeError)
    assert.deepEqual(ourTempDirs(), before)
  })
})
