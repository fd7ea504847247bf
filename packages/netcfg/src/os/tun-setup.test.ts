/**
 * setUpTun + UndoList against the real kernel, in a throw-away namespace:
 *
 *   [test ns]  veth "dm<x>" (peer "dm<x>p" in the same namespace) 192.0.2.2/25, default via 192.0.2.1   (pre-VPN path, goes nowhere)
 *              2001:db8:1::2/64, default via 2001:db8:1::1
 *              tun (kernel name) 198.18.0.6/24, 2001:db8:100::6/64
 *
 * `ip` runs with `-n <ns>`; the TUN is opened here and moved into the namespace at once.
 */
import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { TestNetns, canUseNetns, uniqueSuffix } from '../testing/netns.js'
import { TunDevice } from '../tun/tun-device.js'
import { Ip, createIpRunner, type IpRunner } from './ip.js'
import { setUpTun, type TunSetupConfig } from './tun-setup.js'
import { UndoList } from './undo.js'

const skip = canUseNetns() ? false : 'needs root for network namespaces'

/** `ip -n <ns>` with batches (the service's runner does the same in its own namespace). */
function nsRunner(ns: string): IpRunner {
  return createIpRunner('ip', ['-n', ns])
}

/** The same without `runBatch`: Ip.batch falls back to one `ip` per command. */
function nsRunnerNoBatch(ns: string): IpRunner {
  const base = createIpRunner('ip', ['-n', ns])
  return { run: (args) => base.run(args) }
}

async function routes(ns: TestNetns): Promise<string> {
  const v4 = await ns.ip(['-4', 'route', 'show', 'table', 'all'])
  const v6 = await ns.ip(['-6', 'route', 'show', 'table', 'all'])
  return `${v4}\n${v6}`
}

void describe('setUpTun in a namespace', { skip, timeout: 60_000 }, () => {
  let ns: TestNetns
  let nsIp: Ip
  const dummy = `dm${uniqueSuffix()}`
  const openTun = (): TunDevice => {
    const t = TunDevice.open(`tn${uniqueSuffix()}`)
    return t
  }
  // opened in this namespace and moved synchronously, before setUpTun configures it
  const openInNs = (): TunDevice => {
    const t = openTun()
    execFileSync('ip', ['link', 'set', 'dev', t.name, 'netns', ns.name], { timeout: 10_000 })
    return t
  }

  before(async () => {
    ns = await TestNetns.create('nsset')
    nsIp = new Ip(nsRunner(ns.name))
    // a veth pair with both ends in the namespace stands in for the uplink (no dummy module)
    await ns.ip(['link', 'add', dummy, 'type', 'veth', 'peer', 'name', `${dummy}p`])
    // no IPv6 link-local addresses appearing later (DAD) to disturb the route comparisons
    await ns.ip(['link', 'set', 'dev', dummy, 'addrgenmode', 'none'])
    await ns.ip(['link', 'set', 'dev', `${dummy}p`, 'addrgenmode', 'none'])
    await ns.ip(['link', 'set', `${dummy}p`, 'up'])
    await ns.ip(['link', 'set', dummy, 'up'])
    await ns.ip(['addr', 'add', '192.0.2.2/25', 'dev', dummy])
    await ns.ip(['-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', dummy, 'nodad'])
    await ns.ip(['route', 'add', 'default', 'via', '192.0.2.1', 'dev', dummy])
    await ns.ip(['-6', 'route', 'add', 'default', 'via', '2001:db8:1::1', 'dev', dummy])
  })
  after(async () => {
    await ns.close()
  })

  const cfg: TunSetupConfig = {
    mtu: 1400,
    txqueuelen: 200,
    addresses: [
      { family: 4, address: '198.18.0.6', prefix: 24, gateway: '198.18.0.1' },
      { family: 6, address: '2001:db8:100::6', prefix: 64, gateway: '2001:db8:100::1' },
    ],
    networks: [
      { family: 4, address: '198.18.5.7', prefix: 24, metric: 50, exclude: false },
      { family: 4, address: '192.0.2.192', prefix: 26, metric: -1, exclude: true },
      { family: 6, address: '2001:db8:200::', prefix: 48, metric: -1, exclude: false },
    ],
    remote: { family: 4, address: '192.0.2.200' },
    rerouteIpv4: true,
    rerouteIpv6: true,
    redirectMethod: 'host-route',
  }

  for (const mode of ['batch', 'one ip per change'] as const) {
    void test(`redirect-gateway, included/excluded routes, then undo restores the table (${mode})`, async () => {
      const before = await routes(ns)
      const undo = new UndoList()
      const r = await setUpTun(cfg, {
        ip: mode === 'batch' ? nsIp : new Ip(nsRunnerNoBatch(ns.name)),
        undo,
        log: () => undefined,
        openTun: openInNs,
      }).catch(async (e: unknown) => {
        await undo.undoAll()
        throw e
      })
      const dev = r.tun.name
      try {
        const link = await ns.ip(['-j', 'link', 'show', 'dev', dev])
        const l = (JSON.parse(link) as { mtu: number; txqlen: number }[])[0]
        assert.equal(l?.mtu, 1400)
        assert.equal(l?.txqlen, 200)
        const v4 = await ns.ip(['-4', 'route', 'show'])
        assert.match(v4, new RegExp(`^0\\.0\\.0\\.0/1 dev ${dev}`, 'm'))
        assert.match(v4, new RegExp(`^128\\.0\\.0\\.0/1 dev ${dev}`, 'm'))
        assert.match(v4, new RegExp(`^192\\.0\\.2\\.200 via 192\\.0\\.2\\.1 dev ${dummy}`, 'm'))
        assert.match(v4, new RegExp(`^192\\.0\\.2\\.192/26 via 192\\.0\\.2\\.1 dev ${dummy}`, 'm'))
        assert.match(v4, new RegExp(`^198\\.18\\.5\\.0/24 dev ${dev} .*metric 50`, 'm'))
        const v6 = await ns.ip(['-6', 'route', 'show'])
        assert.match(v6, new RegExp(`^::/1 dev ${dev}`, 'm'))
        assert.match(v6, new RegExp(`^8000::/1 dev ${dev}`, 'm'))
        assert.match(v6, new RegExp(`^2001:db8:200::/48 dev ${dev}`, 'm'))
        // the server is still reached through the pre-VPN gateway, everything else via the TUN
        assert.deepEqual(await nsIp.routeGet(4, '192.0.2.200'), {
          gateway: '192.0.2.1',
          dev: dummy,
        })
        assert.equal((await nsIp.routeGet(4, '203.0.113.9'))?.dev, dev)
        assert.equal((await nsIp.routeGet(6, '2001:db8:ffff::1'))?.dev, dev)
        const kinds = r.changes.map((c) => c.kind)
        assert.deepEqual(kinds.slice(0, 3), ['device', 'address', 'address'])
        assert.equal(kinds.filter((k) => k === 'route').length, 7)
      } finally {
        const failures = await undo.undoAll()
        assert.deepEqual(failures, [])
      }
      await assert.rejects(ns.ip(['link', 'show', 'dev', dev]))
      assert.equal(await routes(ns), before)
    })
  }

  void test('ip -batch reports how many commands succeeded and why the next failed', async () => {
    const t = openInNs()
    try {
      const out = await nsIp.batch([
        ['link', 'set', 'dev', t.name, 'up'],
        ['-4', 'route', 'add', '198.18.77.0/24', 'dev', t.name],
        ['-4', 'route', 'add', '198.18.77.0/24', 'dev', t.name],
        ['-4', 'route', 'add', '198.18.78.0/24', 'dev', t.name],
      ])
      assert.equal(out.done, 2)
      assert.equal(out.error?.exists, true)
      assert.deepEqual(out.error?.args, ['-4', 'route', 'add', '198.18.77.0/24', 'dev', t.name])
      assert.match(out.error?.message ?? '', /^ip -4 route add 198\.18\.77\.0\/24 .*File exists/)
      // the batch stopped there: the route after the failure was not added
      assert.doesNotMatch(await ns.ip(['-4', 'route', 'show']), /198\.18\.78\.0/)
      assert.deepEqual(
        await nsIp.batch([['-6', 'route', 'add', '2001:db8:77::/48', 'dev', t.name]]),
        {
          done: 1,
        }
      )
    } finally {
      t.close()
      await ns.ip(['link', 'del', 'dev', t.name]).catch(() => undefined)
    }
  })

  void test('a route that already exists is left alone and the batch goes on', async () => {
    const before = await routes(ns)
    const undo = new UndoList()
    const logs: string[] = []
    // the excluded network's bypass route exists already (someone else's): not undone by us
    await ns.ip(['-4', 'route', 'add', '192.0.2.192/26', 'via', '192.0.2.1', 'dev', dummy])
    try {
      const r = await setUpTun(cfg, {
        ip: nsIp,
        undo,
        log: (m) => logs.push(m),
        openTun: openInNs,
      }).catch(async (e: unknown) => {
        await undo.undoAll()
        throw e
      })
      assert.ok(logs.some((l) => /Excluded route 192\.0\.2\.192\/26 already exists/.test(l)))
      // the steps after it ran: half-default routes are there
      assert.match(
        await ns.ip(['-6', 'route', 'show']),
        new RegExp(`^8000::/1 dev ${r.tun.name}`, 'm')
      )
      assert.ok(!undo.list().includes('route 192.0.2.192/26'))
      assert.deepEqual(await undo.undoAll(), [])
      assert.match(await ns.ip(['-4', 'route', 'show']), /^192\.0\.2\.192\/26 via 192\.0\.2\.1/m)
    } finally {
      await ns.ip(['-4', 'route', 'del', '192.0.2.192/26']).catch(() => undefined)
    }
    assert.equal(await routes(ns), before)
  })

  void test('a failure half-way leaves nothing behind once the undo list runs', async () => {
    const before = await routes(ns)
    const undo = new UndoList()
    let name = ''
    const bad: TunSetupConfig = {
      ...cfg,
      // the second add of the same address fails with EEXIST after routes were looked up
      addresses: [cfg.addresses[0]!, cfg.addresses[0]!],
    }
    await assert.rejects(
      setUpTun(bad, {
        ip: nsIp,
        undo,
        log: () => undefined,
        openTun: () => {
          const t = openInNs()
          name = t.name
          return t
        },
      }),
      { name: 'IpCommandError' }
    )
    assert.ok(undo.size >= 2)
    assert.deepEqual(await undo.undoAll(), [])
    await assert.rejects(ns.ip(['link', 'show', 'dev', name]))
    assert.equal(await routes(ns), before)
  })
})
