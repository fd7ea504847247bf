/**
 * REAUTH on a real OpenVPN 2.6 server (reneg-sec 5): renegotiations of a known session are
 * answered and the tunnel keeps working; once the user is removed, the next REAUTH is denied,
 * which in 2.6 ends the whole session (spec 2.7), and the session row is closed.
 */
import { strict as assert } from 'node:assert'
import { after, test } from 'node:test'
import { pollUntil } from '@openvpn3-ts/testkit'
import { LabFixture, NEEDS_ROOT, ROOT } from './testing/lab-fixture.js'

const fx = new LabFixture()
after(() => fx.close())

void test(
  'REAUTH: renegotiation of a known session is accepted; after the user is removed it is denied',
  { timeout: 120_000 },
  async (t) => {
    if (!ROOT) return t.skip(NEEDS_ROOT)
    await fx.start({ mgmtServerExtra: ['reneg-sec 5'] })
    const store = await fx.openStore('r.db', [{ username: 'alice', password: 'alice-pw' }])
    await fx.withDaemon({}, async (daemon) => {
      const c = fx.client({ username: 'alice', password: 'alice-pw' })
      assert.equal(await c.outcome(), 'connected')
      await pollUntil('two renegotiations', () => (daemon.stats.reauths >= 2 ? true : undefined), {
        timeoutMs: 30_000,
      })
      await fx.ping()
      const s = (await store.listSessions({ serverId: 'lab', activeOnly: true }))[0]
      assert.equal(s?.state, 'active')
      const denied = daemon.stats.denied
      await store.removeUser('alice')
      await pollUntil('REAUTH denied', () => (daemon.stats.denied > denied ? true : undefined), {
        timeoutMs: 30_000,
      })
      const ended = await fx.sessionEnded(s?.id ?? -1, 30_000)
      assert.equal(ended.endReason, 'user removed or disabled')
      assert.match(c.output(), /AUTH_FAILED|SIGUSR1|Connection reset|Inactivity timeout/)
    })
  }
)
