/**
 * The daemon process killed (SIGKILL) and restarted while real clients connect to a real
 * OpenVPN 2.6 server: afterwards every client is connected and known to the store, no instance
 * is left half-authorised, and the server keeps serving new clients.
 */
import { strict as assert } from 'node:assert'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { delay, pollUntil, startProcess } from '@openvpn3-ts/testkit'
import { LabFixture, NEEDS_ROOT, ROOT } from './testing/lab-fixture.js'
import { statusClients, type ClientRun } from './testing/lab-harness.js'

const fx = new LabFixture()
after(() => fx.close())

void test(
  'daemon killed and restarted while clients connect: nobody half-authorised, server keeps serving',
  { timeout: 180_000 },
  async (t) => {
    if (!ROOT) return t.skip(NEEDS_ROOT)
    const lab = await fx.start()
    const dbPath = join(lab.dir, 'access.db')
    const users = [0, 1, 2, 3, 4].map((i) => ({ username: `u${i}`, password: `pw${i}` }))
    const store = await fx.openStore('access.db', users)
    const cfg = join(lab.dir, 'config.json')
    writeFileSync(
      cfg,
      JSON.stringify({
        serverId: 'lab',
        management: { socket: lab.sock },
        store: { type: 'sqlite', path: dbPath },
      })
    )
    const serve = async () => {
      const p = await startProcess({
        entry: 'packages/access-hooks/src/main.ts',
        args: ['--config', cfg, 'serve'],
        waitForLine: /attached to OpenVPN server pid/,
        timeoutMs: 20_000,
        name: 'openvpn3-access serve',
      })
      fx.defer(() => p.stop('SIGKILL', 0))
      return p
    }
    const first = await serve()
    const extra = ['connect-retry-max 20']
    const clients: ClientRun[] = []
    const start = (i: number) => {
      const c = fx.client({ username: `u${i}`, password: `pw${i}`, extra })
      clients.push(c)
      return c
    }
    start(0)
    start(1)
    assert.equal(await clients[0]?.outcome(), 'connected')
    // One more client starts its handshake and the daemon dies at once (SIGKILL); another starts
    // while no daemon is attached, so its CONNECT is certainly lost (the server queues nothing).
    start(2)
    await delay(100)
    await first.stop('SIGKILL', 0)
    const killedAt = Date.now()
    start(3)
    await delay(3000)
    const second = await serve()
    const outcomes = await Promise.all(clients.map((c) => c.outcome(90_000)))
    assert.deepEqual(outcomes, ['connected', 'connected', 'connected', 'connected'])
    // Well inside the server's own 60 s auth window: waiting instances were restarted, not left.
    assert.ok(Date.now() - killedAt < 40_000, `took ${Date.now() - killedAt} ms`)
    assert.match(second.output(), /restarting client \d+ .* whose authorisation was lost/)
    // The server's own status (status-version 2 file) lists exactly the clients the store knows.
    const listed = await pollUntil(
      'status file with 4 clients',
      () => {
        const rows = statusClients(readFileSync(lab.mgmtServer.statusPath, 'utf8'))
        return rows.length === 4 && rows.every((r) => r.vaddr !== '') ? rows : undefined
      },
      { timeoutMs: 20_000, describe: () => readFileSync(lab.mgmtServer.statusPath, 'utf8') }
    )
    const open = await store.listSessions({ serverId: 'lab', activeOnly: true })
    assert.deepEqual(
      listed.map((r) => r.cid).sort((a, b) => a - b),
      open.map((s) => s.cid).sort((a, b) => (a ?? 0) - (b ?? 0)),
      `status ${JSON.stringify(listed)} vs store ${JSON.stringify(open)}`
    )
    assert.ok(open.every((s) => s.state === 'active' && s.vpnIp4 !== ''))
    // The OpenVPN server survived and still serves a new client through the restarted daemon.
    assert.doesNotThrow(() => process.kill(lab.mgmtServer.pid, 0))
    const fifth = fx.client({ username: 'u4', password: 'pw4' })
    assert.equal(await fifth.outcome(), 'connected')
    assert.match(second.output(), /attached to OpenVPN server pid \d+/)
  }
)
