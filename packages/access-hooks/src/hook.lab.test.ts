/**
 * Classic script mode against a real OpenVPN 2.6 server: the hook executable configured as
 * `auth-user-pass-verify … via-file` (deferred), `client-connect` and `client-disconnect`,
 * with real clients in the namespace lab.
 */
import { strict as assert } from 'node:assert'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { pollUntil } from '@openvpn3-ts/testkit'
import { hashPassword } from './password.js'
import { openSqliteStore } from './store/sqlite.js'
import {
  REPO,
  startAccessLab,
  startClient,
  type AccessLab,
  type ClientRun,
} from './testing/lab-harness.js'

let al: AccessLab | undefined
const clients: ClientRun[] = []

after(async () => {
  for (const c of clients) await c.stop()
  await al?.close()
})

void test(
  'script mode on a real server: deferred auth accept/deny with reason, session and accounting, limit refusal',
  { timeout: 240_000 },
  async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root for network namespaces')
    al = await startAccessLab({
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
    const lab = al
    const server = lab.scriptServer
    assert.ok(server)
    const store = openSqliteStore(join(lab.dir, 'hook.db'))
    await store.init()
    try {
      await store.addUser({
        username: 'alice',
        passwordHash: await hashPassword('alice-pw', 'min'),
      })
      const c = startClient(lab, { server, username: 'alice', password: 'alice-pw' })
      clients.push(c)
      assert.equal(await c.outcome(60_000), 'connected')
      const s = (await store.listSessions({ serverId: 'scripted', activeOnly: true }))[0]
      assert.equal(s?.username, 'alice')
      assert.match(s?.connKey ?? '', /^script:\d+:192\.0\.2\.2:\d+$/)
      assert.match(s?.vpnIp4 ?? '', /^198\.18\.2\.\d+$/)
      // maxPerUser 1: a second session of alice is refused at client-connect
      const dup = startClient(lab, {
        server,
        username: 'alice',
        password: 'alice-pw',
        extra: ['connect-retry-max 1'],
      })
      clients.push(dup)
      assert.notEqual(await dup.outcome(60_000), 'connected')
      await dup.stop()
      await lab.lab.exec(lab.lab.clientNs, 'ping', ['-c', '2', '-W', '2', server.tunnelServerIp])
      await c.stop()
      const ended = await pollUntil(
        'accounting row',
        async () => {
          const r = await store.getSession(s?.id ?? -1)
          return r?.state === 'ended' ? r : undefined
        },
        { timeoutMs: 30_000 }
      )
      assert.ok(
        ended.bytesIn > 0 && ended.bytesOut > 0 && ended.durationS !== null,
        JSON.stringify(ended)
      )
      const bad = startClient(lab, { server, username: 'alice', password: 'wrong' })
      clients.push(bad)
      assert.equal(await bad.outcome(60_000), 'failed:authentication failed')
    } finally {
      await store.close()
    }
  }
)
