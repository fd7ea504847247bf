/**
 * Tests of startProcess: output capture and waits, running as the second test UID, bus-name
 * waits, early-exit and timeout errors, and that stop() really ends the process.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { startBus } from './bus.js'
import { isAlive } from './cleanup.js'
import { startProcess } from './process.js'
import { testUsers } from './users.js'

const PRINT_IDS = 'packages/testkit/src/fixtures/print-ids.ts'
const REQUEST_NAME = 'packages/testkit/src/fixtures/request-name.ts'

void describe('startProcess', () => {
  void test('runs an executable, waits for a line, stops it with SIGTERM', async () => {
    const p = await startProcess({
      entry: '/bin/sh',
      args: ['-c', 'echo ready on stdout; echo oops >&2; exec sleep 30'],
      waitForLine: /ready on stdout/,
    })
    assert.ok(isAlive(p.pid))
    await p.waitForLine(/oops/, 2000)
    assert.match(p.stdout(), /ready on stdout/)
    assert.match(p.stderr(), /oops/)
    const code = await p.stop()
    assert.equal(code, null, 'killed by a signal, so no exit code')
    assert.equal(p.child.signalCode, 'SIGTERM')
    assert.equal(isAlive(p.pid), false)
  })

  void test('runs a .ts entry as the second test UID with its primary group and no extra groups', async () => {
    const { test: user } = testUsers()
    const p = await startProcess({
      entry: PRINT_IDS,
      uid: user.uid,
      waitForLine: /^IDS .*$/m,
      timeoutMs: 15_000,
    })
    try {
      const line = /^IDS .*$/m.exec(p.output())?.[0] ?? ''
      assert.equal(
        line,
        `IDS uid=${user.uid} euid=${user.uid} gid=${user.gid} egid=${user.gid} groups=${user.gid}`
      )
      // Cross-check from outside: the kernel's view of the PID we hold.
      const { readFileSync } = await import('node:fs')
      const status = readFileSync(`/proc/${p.pid}/status`, 'utf8')
      assert.match(status, new RegExp(`^Uid:\\s+${user.uid}\\s+${user.uid}\\s`, 'm'))
    } finally {
      const code = await p.stop()
      assert.equal(code, 7, 'the fixture exits 7 on SIGTERM')
    }
  })

  void test('waitForName resolves once the service owns its name', async () => {
    const bus = await startBus({
      extraPolicy: '<policy user="root"><allow own_prefix="net.openvpn.v3.testkit"/></policy>',
    })
    try {
      const p = await startProcess({
        entry: REQUEST_NAME,
        args: ['net.openvpn.v3.testkit.svc', 'stay'],
        bus,
        waitForName: 'net.openvpn.v3.testkit.svc',
        timeoutMs: 15_000,
      })
      assert.match(p.output(), /OWNED net\.openvpn\.v3\.testkit\.svc/)
      assert.equal(await p.stop(), 0)
      await bus.waitForName('net.openvpn.v3.testkit.svc', { owned: false, timeoutMs: 2000 })
    } finally {
      await bus.stop()
    }
  })

  void test('a process that exits early rejects the wait with ProcessExitedError', async () => {
    await assert.rejects(
      startProcess({ entry: '/bin/sh', args: ['-c', 'echo bye; exit 3'], waitForLine: /never/ }),
      (err: Error) => {
        assert.equal(err.name, 'ProcessExitedError')
        assert.match(err.message, /code 3/)
        assert.match(err.message, /bye/)
        return true
      }
    )
  })

  void test('a wait that times out rejects and the process is killed', async () => {
    let pid = -1
    await assert.rejects(
      startProcess({
        entry: '/bin/sh',
        args: ['-c', 'echo "PID $$"; exec sleep 30'],
        waitForLine: /never/,
        timeoutMs: 300,
      }),
      (err: Error) => {
        assert.equal(err.name, 'TestkitTimeoutError')
        pid = Number(/PID (\d+)/.exec(err.message)?.[1])
        return true
      }
    )
    assert.ok(pid > 0)
    assert.equal(isAlive(pid), false)
  })
})
