/**
 * REAUTH on a real OpenVPN 2.6 server (reneg-sec 5): renegotiations of a known session are
 * answered and the tunnel keeps working; once the user is removed, the next REAUTH is denied,
 * which in 2.6 ends the whole session (spec 2.7), and the session row is closed.
 */
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { pollUntil } from '@openvpn3-ts/testkit'
import { parseConfig } from './config.js'
import { AccessDaemon } from './daemon.js'
import { silentLogger } from './logger.js'
import { hashPassword } from './password.js'
import { openSqliteStore } from './store/sqlite.js'
import {
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
  'REAUTH: renegotiation of a known session is accepted; after the user is removed it is denied',
  { timeout: 120_000 },
  async (t) => {
    if (process.getuid?.() !== 0) return t.skip('needs root for network namespaces')
    al = await startAccessLab({ mgmtServerExtra: ['reneg-sec 5'] })
    const lab = al
    const store = openSqliteStore(join(lab.dir, 'r.db'))
    await store.init()
    await store.addUser({ username: 'alice', passwordHash: await hashPassword('alice-pw', 'min') })
    const config = parseConfig({ serverId: 'lab', management: { socket: lab.sock } }, 'daemon')
    const daemon = new AccessDaemon({ config, store, logger: silentLogger })
    daemon.start()
    try {
      await pollUntil('daemon ready', () => (daemon.ready ? true : undefined), {
        timeoutMs: 10_000,
      })
      const c = startClient(lab, {
        server: lab.mgmtServer,
        username: 'alice',
        password: 'alice-pw',
      })
      clients.push(c)
      assert.equal(await c.outcome(), 'connected')
      await pollUntil('two renegotiations', () => (daemon.stats.reauths >= 2 ? true : undefined), {
        timeoutMs: 30_000,
      })
      const ping = await lab.lab.exec(lab.lab.clientNs, 'ping', [
        '-c',
        '2',
        '-W',
        '2',
        lab.mgmtServer.tunnelServerIp,
      ])
      assert.equal(ping.code, 0, ping.stdout)
      const s = (await store.listSessions({ serverId: 'lab', activeOnly: true }))[0]
      assert.equal(s?.state, 'active')
      const denied = daemon.stats.denied
      await store.removeUser('alice')
      await pollUntil('REAUTH denied', () => (daemon.stats.denied > denied ? true : undefined), {
        timeoutMs: 30_000,
      })
      const ended = await pollUntil(
        'session closed',
        async () => {
          const r = await store.getSession(s?.id ?? -1)
          return r?.state === 'ended' ? r : undefined
        },
        { timeoutMs: 30_000 }
      )
      assert.equal(ended.endReason, 'user removed or disabled')
      assert.match(c.output(), /AUTH_FAILED|SIGUSR1|Connection reset|Inactivity timeout/)
    } finally {
      await daemon.stop()
      await store.close()
    }
  }
)
