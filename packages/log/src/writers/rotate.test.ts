/**
 * The file writer under load with rotation (issue 7): a stand-in backend sends 10,000 Log
 * lines per second for 10 seconds over D-Bus through the logging layer; meanwhile the test
 * rotates the log file the way logrotate does (rename, then SIGHUP to the service) every
 * two seconds. Every `burst seq=<n>` line must end up in exactly one of the files: no line
 * lost, none duplicated. Also a unit check of ReopenableFileTransport + LogWriter alone.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { chmodSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BusName, LogCategory, LogGroup } from '@openvpn3-ts/dbus'
import { pollUntil, startBus, startProcess, testUsers } from '@openvpn3-ts/testkit'
import type { TestBus, TestProcess } from '@openvpn3-ts/testkit'
import { LogMethod } from '../constants.js'
import { LogWriter } from './writer.js'

/** pollUntil for a condition (pollUntil stops at any defined value, `false` included). */
const until = (what: string, cond: () => boolean, opts: { timeoutMs: number }) =>
  pollUntil(what, () => (cond() ? true : undefined), opts)

const RATE = 10_000
const SECONDS = 10
/** senders sharing the rate (one process cannot marshal 10k D-Bus messages/s on a busy core) */
const SENDERS = 4
const ROTATE_EVERY_MS = 2000

/** seq numbers of `burst seq=<n>` lines in `files`, with duplicates counted. */
function collect(files: string[]): { seen: Set<number>; dups: number; lines: number } {
  const seen = new Set<number>()
  let dups = 0
  let lines = 0
  for (const f of files) {
    if (!existsSync(f)) continue
    for (const m of readFileSync(f, 'utf8').matchAll(/burst seq=(\d+)/g)) {
      const n = Number(m[1])
      lines++
      if (seen.has(n)) dups++
      seen.add(n)
    }
  }
  return { seen, dups, lines }
}

void describe('log file writer', { timeout: 180_000 }, () => {
  let dir: string
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ovpn3-logrot-'))
    chmodSync(dir, 0o777)
  })
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  void test('reopen() after rename keeps every line (in process, 100k lines)', async () => {
    const file = join(dir, 'unit.log')
    const w = new LogWriter({ method: LogMethod.logfile, logFile: file })
    await w.ready()
    const files = [file]
    for (let i = 0; i < 100_000; i++) {
      w.write(
        { group: LogGroup.CLIENT, category: LogCategory.INFO, message: `burst seq=${i}` },
        { timestamp: false, tag: false }
      )
      if (i % 25_000 === 24_999) {
        const rotated = `${file}.${i}`
        renameSync(file, rotated)
        files.push(rotated)
        await w.reopen()
      }
    }
    await w.close()
    const { seen, dups, lines } = collect(files)
    assert.equal(dups, 0)
    assert.equal(lines, 100_000)
    assert.equal(seen.size, 100_000)
  })

  void test(`paced ${RATE} lines/s for ${SECONDS} s, SIGHUP rotation every ${ROTATE_EVERY_MS} ms (in process)`, async (t) => {
    const file = join(dir, 'paced.log')
    const w = new LogWriter({ method: LogMethod.logfile, logFile: file })
    await w.ready()
    const files = [file]
    // as main.ts does: SIGHUP reopens the file
    const reopens: Promise<void>[] = []
    const onHup = () => reopens.push(w.reopen())
    process.on('SIGHUP', onHup)
    const rotator = setInterval(() => {
      if (!existsSync(file)) return // not reopened since the last round (logrotate missingok)
      const rotated = `${file}.${files.length}`
      renameSync(file, rotated)
      files.push(rotated)
      process.kill(process.pid, 'SIGHUP')
    }, ROTATE_EVERY_MS)
    const total = RATE * SECONDS
    const start = Date.now()
    try {
      let n = 0
      while (n < total) {
        const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * RATE) + 1)
        for (; n < due; n++) {
          w.write(
            { group: LogGroup.CLIENT, category: LogCategory.INFO, message: `burst seq=${n}` },
            { timestamp: true, tag: false }
          )
        }
        await new Promise((r) => setTimeout(r, 5))
      }
    } finally {
      clearInterval(rotator)
      process.off('SIGHUP', onHup)
    }
    const secs = (Date.now() - start) / 1000
    await Promise.all(reopens)
    await w.close()
    const { seen, dups, lines } = collect(files)
    t.diagnostic(
      `paced writer: ${total} lines in ${secs.toFixed(2)} s (${Math.round(total / secs)} lines/s), ` +
        `${files.length - 1} rotations, ${lines} lines on disk, ${dups} duplicates`
    )
    assert.ok(files.length - 1 >= 3, `rotated ${files.length - 1} times`)
    assert.equal(dups, 0)
    assert.equal(seen.size, total)
    assert.ok(secs < SECONDS * 1.2, `the writer kept up with ${RATE} lines/s (${secs} s)`)
  })

  void describe('through the service with SIGHUP rotation', () => {
    let bus: TestBus
    let service: TestProcess | undefined
    const backends: TestProcess[] = []
    before(async () => {
      bus = await startBus()
    })
    after(async () => {
      for (const b of backends) await b.stop()
      await service?.stop()
      await bus?.stop()
    })

    void test(`${RATE} lines/s for ${SECONDS} s, rotated every ${ROTATE_EVERY_MS} ms: no line lost`, async (t) => {
      const users = testUsers()
      const file = join(dir, 'service.log')
      service = await startProcess({
        entry: 'packages/log/src/main.ts',
        args: ['--log-file', file, '--log-level', '3'],
        bus,
        uid: users.openvpn.uid,
        waitForName: BusName.log,
        name: 'log service',
      })
      for (let i = 0; i < SENDERS; i++) {
        backends.push(
          await startProcess({
            entry: 'packages/log/src/testing/standin-backend.ts',
            args: [`/net/openvpn/v3/sessions/rot${i}`, `rottoken${i}`],
            bus,
            uid: users.openvpn.uid,
            stdin: 'pipe',
            waitForLine: /READY/,
            name: `backend ${i}`,
            env: { ...process.env, STANDIN_QUIET: '1' },
          })
        )
      }
      const files = [file]
      const started = Date.now()
      const perSender = (RATE / SENDERS) * SECONDS
      backends.forEach((b, i) =>
        b.child.stdin?.write(
          JSON.stringify({
            op: 'burst',
            rate: RATE / SENDERS,
            seconds: SECONDS,
            offset: i * perSender,
          }) + '\n'
        )
      )
      const allSent = () => backends.every((b) => /^RATE /m.test(b.stdout()))
      let k = 0
      while (!allSent()) {
        await new Promise((r) => setTimeout(r, ROTATE_EVERY_MS))
        if (allSent()) break
        // logrotate `missingok`: the service has not reopened since the last round yet
        if (!existsSync(file)) continue
        const rotated = `${file}.${++k}`
        renameSync(file, rotated)
        files.push(rotated)
        process.kill(service.pid, 'SIGHUP')
        assert.ok(Date.now() - started < 120_000, 'burst took too long')
      }
      const sendSecs = Math.max(
        ...backends.map((b) => Number(/^RATE (\d+) ([\d.]+)/m.exec(b.stdout())?.[2]))
      )
      const sentAt = Date.now()
      const total = RATE * SECONDS
      await until('all lines on disk', () => collect(files).lines >= total, {
        timeoutMs: 60_000,
      })
      const lagMs = Date.now() - sentAt
      await service.stop()
      service = undefined
      const { seen, dups, lines } = collect(files)
      process.stderr.write(
        `# rotate test: sent ${total} lines in ${sendSecs.toFixed(2)} s ` +
          `by ${SENDERS} senders (${Math.round(total / sendSecs)} lines/s), ${k} rotations, ` +
          `all on disk ${lagMs} ms after the last was sent; ${lines} lines, ${dups} duplicates\n`
      )
      assert.ok(k >= 3, `rotated ${k} times`)
      assert.equal(dups, 0, 'no duplicated line')
      assert.equal(seen.size, total, 'no lost line')
      for (const f of files) assert.ok(existsSync(f), `${f} exists`)
      // The offered rate is 10k/s. On a machine shared with other jobs the senders may not
      // reach it; the no-loss result above still holds, but it is then not a 10k/s result.
      const achieved = total / sendSecs
      if (achieved < RATE / 2) {
        t.skip(`machine too busy: senders reached only ${Math.round(achieved)} lines/s`)
      }
    })
  })
})
