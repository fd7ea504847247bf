/**
 * Tests of the last-resort cleanup: a test process that dies without stopping its bus, processes
 * and lab (uncaught exception, unhandled rejection, process.exit, SIGTERM, SIGINT) leaves no
 * process, namespace or temp dir behind; after a SIGKILL the next run reaps the leftovers.
 */
import { existsSync } from 'node:fs'
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { z } from 'zod'
import { isAlive } from './cleanup.js'
import { listNamespacesSync } from './netns.js'
import { startProcess } from './process.js'
import { reapStaleBuses, reapStaleLabs } from './stale.js'

const FIXTURE = 'packages/testkit/src/fixtures/leak-and-die.ts'
const Resources = z.object({
  pids: z.array(z.number().int().positive()),
  dirs: z.array(z.string()),
  namespaces: z.array(z.string()),
})

const skip = process.getuid?.() === 0 ? false : 'needs root for network namespaces'

void describe('exit-time cleanup', { skip }, () => {
  for (const mode of ['throw', 'reject', 'exit', 'SIGTERM', 'SIGINT'] as const) {
    void test(`removes everything when the test process ends by ${mode}`, async () => {
      const signal = mode === 'SIGTERM' || mode === 'SIGINT' ? mode : undefined
      const p = await startProcess({
        entry: FIXTURE,
        args: [signal ? 'wait' : mode],
        waitForLine: /^RESOURCES .*\n/m,
        timeoutMs: 20_000,
      })
      const json = /^RESOURCES (.*)$/m.exec(p.output())?.[1] ?? ''
      const r = Resources.parse(JSON.parse(json))
      assert.equal(r.pids.length, 3)
      for (const pid of r.pids) assert.ok(isAlive(pid), `pid ${pid} runs before`)

      if (signal) p.child.kill(signal)
      const exit = await p.waitForExit(15_000)
      if (signal) assert.equal(exit.signal, signal, 'the signal is re-raised after cleanup')
      else if (mode === 'exit') assert.equal(exit.code, 0)
      else assert.equal(exit.code, 1, 'Node still reports the fatal error')

      for (const pid of r.pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`)
      for (const dir of r.dirs) assert.equal(existsSync(dir), false, `${dir} is removed`)
      const namespaces = listNamespacesSync()
      for (const ns of r.namespaces) assert.ok(!namespaces.includes(ns), `${ns} is deleted`)
    })
  }

  void test("after a SIGKILL, the next startLab/startBus reaps the dead owner's lab and bus", async () => {
    const p = await startProcess({
      entry: FIXTURE,
      args: ['wait'],
      waitForLine: /^RESOURCES .*\n/m,
      timeoutMs: 20_000,
    })
    const r = Resources.parse(JSON.parse(/^RESOURCES (.*)$/m.exec(p.output())?.[1] ?? ''))
    const [busPid, sleeperPid, serverPid] = r.pids as [number, number, number]
    try {
      await p.stop('SIGKILL')
      // Nothing ran in the dead process: everything is still there.
      assert.ok(isAlive(busPid) && isAlive(serverPid))
      for (const dir of r.dirs) assert.ok(existsSync(dir))
      reapStaleLabs()
      reapStaleBuses()
      for (const pid of [busPid, serverPid]) assert.equal(isAlive(pid), false, `pid ${pid} is gone`)
      for (const dir of r.dirs) assert.equal(existsSync(dir), false, `${dir} is removed`)
      const namespaces = listNamespacesSync()
      for (const ns of r.namespaces) assert.ok(!namespaces.includes(ns), `${ns} is deleted`)
    } finally {
      // The plain child outside any namespace is beyond the reaper; end it here by its PID.
      if (isAlive(sleeperPid)) process.kill(sleeperPid, 'SIGKILL')
    }
  })
})
