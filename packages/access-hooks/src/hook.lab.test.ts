/**
 * Classic script mode against a real OpenVPN 2.6 server: the hook executable configured as
 * `auth-user-pass-verify … via-file` (deferred), `client-connect` and `client-disconnect`,
 * with real clients in the namespace lab.
 */
import { strict as assert } from 'node:assert'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { LabFixture, NEEDS_ROOT, ROOT } from './testing/lab-fixture.js'
import { REPO } from './testing/lab-harness.js'

const fx = new LabFixture()
after(() => fx.close())

void test(
  'script mode on a real server: deferred auth accept/deny with reason, session and accounting, limit refusal',
  { timeout: 240_000 },
  async (t) => {
    if (!ROOT) return t.skip(NEEDS_ROOT)
    const lab = await fx.start({
      scriptServerLines: (dir) => {
        const cfg = join(dir, 'hook-config.json')
        const dbPath = join(dir, 'hook.db')
        writeFileSync(
          cfg,
          JSON.stringify({
            serverId: 'scripted',
            store: { type: 'sqlite', path: dbPath },
            sessions: { dailySeconds: 3600, maxPerUser: 1 },
            logLevel: 'error',
          })
        )
        const wrapper = join(dir, 'hook.sh')
        writeFileSync(
          wrapper,
          `#!/bin/sh\ncd ${REPO} && exec ${process.execPath} --conditions=source --import tsx ${REPO}packages/access-hooks/src/hook-main.ts --config ${cfg} "$@"\n`
        )
        chmodSync(wrapper, 0o755)
        return [
          'script-security 2',
          `auth-user-pass-verify ${wrapper} via-file`,
          `client-connect ${wrapper}`,
          `client-disconnect ${wrapper}`,
        ]
      },
    })
    const server = lab.scriptServer
    assert.ok(server)
    const store = await fx.openStore('hook.db', [{ username: 'alice', password: 'alice-pw' }])
    const c = fx.client({ server, username: 'alice', password: 'alice-pw' })
    assert.equal(await c.outcome(60_000), 'connected')
    const s = (await store.listSessions({ serverId: 'scripted', activeOnly: true }))[0]
    assert.equal(s?.username, 'alice')
    assert.match(s?.connKey ?? '', /^script:\d+:192\.0\.2\.2:\d+$/)
    assert.match(s?.vpnIp4 ?? '', /^198\.18\.2\.\d+$/)
    // maxPerUser 1: a second session of alice is refused at client-connect
    const dup = fx.client({
      server,
      username: 'alice',
      password: 'alice-pw',
      extra: ['connect-retry-max 1'],
    })
    assert.notEqual(await dup.outcome(60_000), 'connected')
    await dup.stop()
    await fx.ping(server)
    await c.stop()
    const ended = await fx.sessionEnded(s?.id ?? -1, 30_000)
    assert.ok(
      ended.bytesIn > 0 && ended.bytesOut > 0 && ended.durationS !== null,
      JSON.stringify(ended)
    )
    const bad = fx.client({ server, username: 'alice', password: 'wrong' })
    assert.equal(await bad.outcome(60_000), 'failed:authentication failed')
  }
)
