/**
 * openvpn3-service-netcfg as a real process on a private bus, running inside a throw-away
 * network namespace; kernel state is checked with `ip`. Topology of the namespace:
 *
 *   [test ns]  veth "up<x>" 192.0.2.2/25 (peer "up<x>p" in the same ns), default via 192.0.2.1
 *              2001:db8:1::2/64, default via 2001:db8:1::1
 *              TUN made by netcfg: 198.18.0.6/24, 2001:db8:100::6/64
 *   VPN server (never reached): 192.0.2.200, outside the /25, so via the default gateway
 *
 * The client ("backend") is this test process or a fixture process; it gets the TUN fd over the
 * bus. The resolv.conf is a file of the test's own.
 */
import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { closeSync } from 'node:fs'
import { createSocket, type Socket } from 'node:dgram'
import { mkdir, mkdtemp, readFile, rm, writeFile, access } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DBusCallError } from '@openvpn3-ts/dbus'
import {
  BusName,
  DBusConnection,
  ServiceHost,
  declareInterface,
  NetCfgChangeType,
  ObjectPath,
  netcfgDeviceInterface,
  netcfgManagerInterface,
  proxy,
  requestName,
  type Proxy,
} from '@openvpn3-ts/dbus'
import {
  pollUntil,
  startBus,
  startProcess,
  testUsers,
  type TestBus,
  type TestProcess,
} from '@openvpn3-ts/testkit'
import { TestNetns, canUseNetns, uniqueSuffix, waitForLine } from '../testing/netns.js'
import { buildUdp4, parseUdp4 } from '../testing/packets.js'
import { TunDevice } from '../tun/tun-device.js'

/** The part of org.freedesktop.resolve1.Manager netcfg calls (spec §7.7), for the stand-in. */
const resolve1Manager = declareInterface({
  name: 'org.freedesktop.resolve1.Manager',
  methods: {
    SetLinkDNS: {
      in: [
        ['ifindex', 'i'],
        ['addresses', 'a(iay)'],
      ],
      out: [],
      doc: '',
    },
    SetLinkDomains: {
      in: [
        ['ifindex', 'i'],
        ['domains', 'a(sb)'],
      ],
      out: [],
      doc: '',
    },
    SetLinkDefaultRoute: {
      in: [
        ['ifindex', 'i'],
        ['enable', 'b'],
      ],
      out: [],
      doc: '',
    },
    SetLinkDNSSEC: {
      in: [
        ['ifindex', 'i'],
        ['mode', 's'],
      ],
      out: [],
      doc: '',
    },
    SetLinkDNSOverTLS: {
      in: [
        ['ifindex', 'i'],
        ['mode', 's'],
      ],
      out: [],
      doc: '',
    },
    RevertLink: { in: [['ifindex', 'i']], out: [], doc: '' },
  },
  signals: {},
  properties: {},
})

const skip = canUseNetns() ? false : 'needs root for network namespaces'
const MAIN = 'packages/netcfg/src/main.ts'
const FAKE_BACKEND = 'packages/netcfg/src/testing/fake-backend.ts'
const TRY_CALLS = 'packages/netcfg/src/testing/try-calls.ts'
const ORIGINAL_RESOLV = '# test resolv.conf\nnameserver 192.0.2.53\nsearch lan.example\n'

// The generated policy may not exist yet; this one lets the test users reach netcfg so the
// service's own access checks are what is tested.
const EXTRA_POLICY = `
  <policy context="default">
    <allow own="net.openvpn.v3.netcfg"/>
    <allow own="org.freedesktop.resolve1"/>
    <allow send_destination="net.openvpn.v3.netcfg"/>
    <allow send_destination="org.freedesktop.resolve1"/>
  </policy>`

interface Env {
  bus: TestBus
  ns: TestNetns
  uplink: string
  dir: string
  resolv: string
  svc: TestProcess
  conn: DBusConnection
  mgr: Proxy<typeof netcfgManagerInterface>
}

/** The fd of a bound dgram socket (Node keeps it on the internal handle). */
function sockFd(s: Socket): number {
  const fd = (s as unknown as { _handle?: { fd?: number } })._handle?.fd
  if (typeof fd !== 'number' || fd < 0) throw new Error('no socket fd')
  return fd
}

async function routes(ns: TestNetns): Promise<string> {
  const v4 = await ns.ip(['-4', 'route', 'show', 'table', 'all'])
  const v6 = await ns.ip(['-6', 'route', 'show', 'table', 'all'])
  return `${v4}\n${v6}`
}

async function setUp(
  extraArgs: string[] = [],
  dnsMode: 'resolv' | 'resolved' = 'resolv',
  opts: { slowRouteGet?: boolean } = {}
): Promise<Env> {
  const bus = await startBus({ extraPolicy: EXTRA_POLICY })
  const ns = await TestNetns.create('nsncf')
  const uplink = `up${uniqueSuffix()}`
  const dir = await mkdtemp(join(tmpdir(), 'netcfg-test-'))
  const resolv = join(dir, 'resolv.conf')
  await writeFile(resolv, ORIGINAL_RESOLV)
  await ns.ip(['link', 'add', uplink, 'type', 'veth', 'peer', 'name', `${uplink}p`])
  // no IPv6 link-local addresses appearing later (DAD) to disturb the route comparisons
  await ns.ip(['link', 'set', 'dev', uplink, 'addrgenmode', 'none'])
  await ns.ip(['link', 'set', 'dev', `${uplink}p`, 'addrgenmode', 'none'])
  await ns.ip(['link', 'set', `${uplink}p`, 'up'])
  await ns.ip(['link', 'set', uplink, 'up'])
  await ns.ip(['addr', 'add', '192.0.2.2/25', 'dev', uplink])
  await ns.ip(['-6', 'addr', 'add', '2001:db8:1::2/64', 'dev', uplink, 'nodad'])
  await ns.ip(['route', 'add', 'default', 'via', '192.0.2.1', 'dev', uplink])
  await ns.ip(['-6', 'route', 'add', 'default', 'via', '2001:db8:1::1', 'dev', uplink])
  const dnsArgs = dnsMode === 'resolv' ? ['--resolv-conf', resolv] : ['--systemd-resolved']
  let env: NodeJS.ProcessEnv | undefined
  if (opts.slowRouteGet) {
    // an `ip` first in PATH whose route look-ups take 300 ms (a loaded machine, made certain)
    const bin = join(dir, 'bin')
    await mkdir(bin)
    const real = execFileSync('sh', ['-c', 'command -v ip'], { encoding: 'utf8' }).trim()
    const script = `#!/bin/sh\ncase "$*" in *"route get"*) sleep 0.3;; esac\nexec ${real} "$@"\n`
    await writeFile(join(bin, 'ip'), script, { mode: 0o755 })
    env = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? '/usr/sbin:/usr/bin'}` }
  }
  const svc = await startProcess({
    entry: MAIN,
    ...(env ? { env } : {}),
    args: ['--idle-exit', '0', '--log-level', '6', ...dnsArgs, ...extraArgs],
    bus,
    netns: ns.name,
    waitForName: BusName.netcfg,
    timeoutMs: 20_000,
  })
  const conn = await DBusConnection.connect({ address: bus.address })
  const mgr = proxy(conn, BusName.netcfg, ObjectPath.netcfg, netcfgManagerInterface)
  return { bus, ns, uplink, dir, resolv, svc, conn, mgr }
}

async function tearDown(e: Env | undefined): Promise<void> {
  if (!e) return
  await e.conn.close().catch(() => undefined)
  await e.svc.stop().catch(() => undefined)
  await e.bus.stop().catch(() => undefined)
  await e.ns.close()
  await rm(e.dir, { recursive: true, force: true })
}

async function configure(
  e: Env,
  name: string,
  opts: { reroute?: boolean; dns?: boolean } = {}
): Promise<Proxy<typeof netcfgDeviceInterface>> {
  const path = await e.mgr.CreateVirtualInterface(name)
  const dev = proxy(e.conn, BusName.netcfg, path, netcfgDeviceInterface)
  await dev.$set('dns_scope', 'global')
  await dev.$set('layer', 3)
  await dev.$set('mtu', 1400)
  await dev.SetRemoteAddress('192.0.2.200', false)
  await dev.AddIPAddress('198.18.0.6', 24, '198.18.0.1', false)
  await dev.AddIPAddress('2001:db8:100::6', 64, '2001:db8:100::1', true)
  if (opts.reroute) {
    await dev.$set('reroute_ipv4', true)
    await dev.$set('reroute_ipv6', true)
  }
  if (opts.dns !== false) {
    await dev.AddDNSSearch(['vpn.example'])
    await dev.AddDNS(['198.18.0.53', '2001:db8:100::53'])
  }
  await dev.AddNetworks([
    ['198.18.7.0', 24, 20, false, false],
    ['192.0.2.192', 26, -1, false, true],
  ])
  return dev
}

void describe(
  'netcfg service: Establish, fd handover, packets, teardown (resolv.conf)',
  { skip, timeout: 120_000 },
  () => {
    let e: Env | undefined
    before(async () => {
      e = await setUp()
    })
    after(async () => {
      await tearDown(e)
    })

    void test('manager basics: version, DcoAvailable, config_file, errors', async () => {
      const { mgr } = e!
      assert.match(await mgr.$get('version'), /^v\d+/)
      assert.equal(await mgr.DcoAvailable(), false)
      assert.equal(await mgr.$get('config_file'), '')
      await assert.rejects(
        mgr.NotificationSubscribe(0),
        (err: DBusCallError) => err.text === 'Subscription filter flag must be > 0'
      )
      await assert.rejects(
        mgr.NotificationSubscribe(70000),
        /Invalid subscription flag, must be < 65535/
      )
      await assert.rejects(mgr.NotificationUnsubscribe(''), /Failed to retrieve subscriber/)
      assert.deepEqual(await mgr.FetchInterfaceList(), [])
    })

    void test('a device comes up, the fd works in this process, Destroy leaves nothing behind', async () => {
      const { ns, mgr, resolv } = e!
      const routesBefore = await routes(ns)
      const events: [number, string, Record<string, string>][] = []
      // a separate subscriber connection, as a front-end would be
      const conn = await DBusConnection.connect({ address: e!.bus.address })
      const subMgr = proxy(conn, BusName.netcfg, ObjectPath.netcfg, netcfgManagerInterface)
      const unsubscribe = await conn.signals.subscribe(
        { interface: 'net.openvpn.v3.netcfg', member: 'NetworkChange' },
        (msg) => events.push(msg.body as [number, string, Record<string, string>])
      )
      await subMgr.NotificationSubscribe(0xffff)
      assert.deepEqual(await mgr.NotificationSubscriberList(), [[conn.uniqueName, 0xffff]])
      const dev = await configure(e!, `t${uniqueSuffix()}`)
      await assert.rejects(dev.SetDNSSEC('maybe'), /\[SetDNSSEC\] Invalid DNSSEC mode: 'maybe'/)
      await assert.rejects(
        dev.SetDNSTransport('carrier-pigeon'),
        /\[SetDNSTransport\] Invalid DNS transport mode/
      )
      await assert.rejects(dev.EnableDCO('dco0'), /not available/)
      await assert.rejects(dev.$set('dns_scope', 'planet'), /Invalid DNS Scope value: planet/)
      assert.equal(await dev.$get('owner'), process.getuid?.())
      assert.deepEqual(await dev.$get('dns_name_servers'), ['198.18.0.53', '2001:db8:100::53'])

      const r = await dev.Establish()
      assert.equal(r.fds.length, 1)
      const tun = TunDevice.fromFd(r.fds[0]!)
      try {
        const ifname = await dev.$get('device_name')
        assert.equal(tun.name, ifname)
        // kernel state in the namespace
        const addrs = await ns.ip(['-br', 'addr', 'show', 'dev', ifname])
        assert.match(addrs, /198\.18\.0\.6\/24/)
        assert.match(addrs, /2001:db8:100::6\/64/)
        const link = (
          JSON.parse(await ns.ip(['-j', 'link', 'show', 'dev', ifname])) as { mtu: number }[]
        )[0]
        assert.equal(link?.mtu, 1400)
        const v4 = await ns.ip(['-4', 'route', 'show'])
        assert.match(v4, new RegExp(`^198\\.18\\.7\\.0/24 dev ${ifname} .*metric 20`, 'm'))
        assert.match(
          v4,
          new RegExp(`^192\\.0\\.2\\.192/26 via 192\\.0\\.2\\.1 dev ${e!.uplink}`, 'm')
        )
        // resolv.conf switched over, backup kept
        const text = await readFile(resolv, 'utf8')
        assert.match(text, /^search vpn\.example lan\.example$/m)
        assert.match(text, /nameserver 198\.18\.0\.53\n/)
        assert.equal(await readFile(resolv + '.ovpn3bak', 'utf8'), ORIGINAL_RESOLV)
        assert.deepEqual(await mgr.$get('global_dns_servers'), ['198.18.0.53', '2001:db8:100::53'])
        assert.deepEqual(await mgr.FetchInterfaceList(), [dev.$path])

        // packets written here come out of the device in the namespace
        const receiver = ns.spawnNode(
          `const s=require('dgram').createSocket('udp4');let n=0;
         s.on('message',m=>{console.log('got '+m);if(++n==5)s.close()});
         s.bind(9300,'198.18.0.6',()=>console.log('ready'))`
        )
        await waitForLine(receiver, /^ready/)
        const got: string[] = []
        receiver.stdout?.on('data', (d: Buffer) =>
          got.push(
            ...d
              .toString()
              .split('\n')
              .filter((l) => l.startsWith('got'))
          )
        )
        const exited = new Promise((r2) => receiver.on('exit', r2))
        const pkts = [0, 1, 2, 3, 4].map((i) =>
          buildUdp4('198.18.7.9', '198.18.0.6', 5000, 9300, Buffer.from(`in-${i}`))
        )
        assert.equal(tun.write(pkts), 5)
        await Promise.race([exited, new Promise((r2) => setTimeout(r2, 5000))])
        assert.deepEqual(got, ['got in-0', 'got in-1', 'got in-2', 'got in-3', 'got in-4'])

        // packets routed into the device are read here
        const read: string[] = []
        const done = new Promise<void>((resolve, reject) => {
          const t = setTimeout(() => reject(new Error(`read only ${read.length}`)), 5000)
          tun.startReading({
            onPackets: (ps) => {
              for (const p of ps) {
                const u = parseUdp4(p)
                if (u?.dstPort === 9400) read.push(u.payload.toString())
              }
              if (read.length >= 3) {
                clearTimeout(t)
                resolve()
              }
            },
            onError: reject,
          })
        })
        ns.spawnNode(
          `const s=require('dgram').createSocket('udp4');let i=0;
         const go=()=>{if(i==3){s.close();return}s.send('out-'+(i++),9400,'198.18.7.9',go)};go()`
        )
        await done
        tun.stopReading()
        assert.deepEqual(read, ['out-0', 'out-1', 'out-2'])

        // NetworkChange events, in order
        await pollUntil(
          'ROUTE_EXCLUDED event',
          () => events.some((ev) => ev[0] === NetCfgChangeType.ROUTE_EXCLUDED) || undefined,
          { timeoutMs: 3000 }
        )
        const types = events.map((ev) => ev[0])
        assert.ok(types.includes(NetCfgChangeType.DNS_SERVER_ADDED))
        assert.ok(types.includes(NetCfgChangeType.DEVICE_ADDED))
        const ipEv = events.find((ev) => ev[0] === NetCfgChangeType.IPADDR_ADDED)
        assert.deepEqual(ipEv?.[2], {
          ip_address: '198.18.0.6',
          prefix_size: '24',
          prefix: '24',
          ip_version: '4',
        })
        const rtEv = events.find((ev) => ev[0] === NetCfgChangeType.ROUTE_ADDED)
        assert.deepEqual(rtEv?.[2], {
          ip_version: '4',
          subnet: '198.18.7.0',
          prefix_size: '24',
          prefix: '24',
          gateway: '198.18.0.1',
        })
        events.length = 0

        await dev.Destroy()
        await assert.rejects(ns.ip(['link', 'show', 'dev', ifname]))
        assert.equal(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
        await assert.rejects(access(resolv + '.ovpn3bak'))
        assert.equal(await routes(ns), routesBefore)
        await assert.rejects(dev.$get('mtu'), /Object does not exist at path/)
        await pollUntil(
          'DEVICE_REMOVED event',
          () => events.some((ev) => ev[0] === NetCfgChangeType.DEVICE_REMOVED) || undefined,
          { timeoutMs: 3000 }
        )
        const down = events.map((ev) => ev[0])
        assert.ok(
          down.indexOf(NetCfgChangeType.ROUTE_REMOVED) <
            down.indexOf(NetCfgChangeType.IPADDR_REMOVED)
        )
        assert.ok(
          down.indexOf(NetCfgChangeType.IPADDR_REMOVED) <
            down.indexOf(NetCfgChangeType.DEVICE_REMOVED)
        )
        assert.ok(down.includes(NetCfgChangeType.DNS_SERVER_REMOVED))
      } finally {
        tun.close()
        await mgr.NotificationUnsubscribe(conn.uniqueName)
        await unsubscribe()
        await conn.close()
      }
    })

    void test('redirect-gateway: half-defaults and the server host route; Destroy restores the table exactly', async () => {
      const { ns } = e!
      const before = await routes(ns)
      const dev = await configure(e!, `r${uniqueSuffix()}`, { reroute: true, dns: false })
      const r = await dev.Establish()
      const fd = r.fds[0]
      assert.ok(fd !== undefined)
      const ifname = await dev.$get('device_name')
      try {
        const v4 = await ns.ip(['-4', 'route', 'show'])
        assert.match(v4, new RegExp(`^0\\.0\\.0\\.0/1 dev ${ifname}`, 'm'))
        assert.match(v4, new RegExp(`^128\\.0\\.0\\.0/1 dev ${ifname}`, 'm'))
        assert.match(v4, new RegExp(`^192\\.0\\.2\\.200 via 192\\.0\\.2\\.1 dev ${e!.uplink}`, 'm'))
        const v6 = await ns.ip(['-6', 'route', 'show'])
        assert.match(v6, new RegExp(`^::/1 dev ${ifname}`, 'm'))
        assert.match(v6, new RegExp(`^8000::/1 dev ${ifname}`, 'm'))
        // the original default routes are untouched; the tunnel wins by being more specific
        assert.match(v4, /^default via 192\.0\.2\.1/m)
        const viaServer = await ns.ip(['-4', 'route', 'get', '192.0.2.200'])
        assert.match(viaServer, new RegExp(`via 192\\.0\\.2\\.1 dev ${e!.uplink}`))
        const elsewhere = await ns.ip(['-4', 'route', 'get', '203.0.113.1'])
        assert.match(elsewhere, new RegExp(`dev ${ifname}`))
        await dev.Destroy()
      } finally {
        closeSync(fd)
      }
      assert.equal(await routes(ns), before)
    })

    void test('IPv6 server: host route via the IPv6 pre-VPN gateway; only subscribed events arrive', async () => {
      const { ns, mgr } = e!
      const before = await routes(ns)
      const sub = await DBusConnection.connect({ address: e!.bus.address })
      const types: number[] = []
      const unsubscribe = await sub.signals.subscribe(
        { interface: 'net.openvpn.v3.netcfg', member: 'NetworkChange' },
        (msg) => types.push(msg.body[0] as number)
      )
      await proxy(
        sub,
        BusName.netcfg,
        ObjectPath.netcfg,
        netcfgManagerInterface
      ).NotificationSubscribe(NetCfgChangeType.DEVICE_ADDED | NetCfgChangeType.DEVICE_REMOVED)
      try {
        const path = await mgr.CreateVirtualInterface(`six${uniqueSuffix()}`)
        const dev = proxy(e!.conn, BusName.netcfg, path, netcfgDeviceInterface)
        await dev.SetRemoteAddress('2001:db8:2::200', true)
        await dev.AddIPAddress('2001:db8:100::6', 64, '2001:db8:100::1', true)
        await dev.$set('reroute_ipv6', true)
        await dev.AddNetworks([])
        const r = await dev.Establish()
        const name = await dev.$get('device_name')
        try {
          const v6 = await ns.ip(['-6', 'route', 'show'])
          assert.match(v6, new RegExp(`^2001:db8:2::200 via 2001:db8:1::1 dev ${e!.uplink}`, 'm'))
          assert.match(v6, new RegExp(`^::/1 dev ${name}`, 'm'))
          assert.match(v6, new RegExp(`^8000::/1 dev ${name}`, 'm'))
          assert.doesNotMatch(await ns.ip(['-4', 'route', 'show']), /^0\.0\.0\.0\/1/m)
          await dev.Destroy()
        } finally {
          for (const fd of r.fds) closeSync(fd)
        }
        assert.equal(await routes(ns), before)
        await pollUntil(
          'DEVICE_REMOVED',
          () => (types.includes(NetCfgChangeType.DEVICE_REMOVED) ? true : undefined),
          {
            timeoutMs: 3000,
          }
        )
        assert.deepEqual(types, [NetCfgChangeType.DEVICE_ADDED, NetCfgChangeType.DEVICE_REMOVED])
      } finally {
        await unsubscribe()
        await sub.close()
      }
    })

    void test('Disable withdraws DNS and the TUN but keeps the object; Establish works again', async () => {
      const { ns, resolv } = e!
      const dev = await configure(e!, `d${uniqueSuffix()}`)
      const r1 = await dev.Establish()
      const name1 = await dev.$get('device_name')
      TunDevice.fromFd(r1.fds[0]!).close()
      await dev.Disable()
      await assert.rejects(ns.ip(['link', 'show', 'dev', name1]))
      assert.equal(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
      assert.deepEqual(await dev.$get('dns_name_servers'), [])
      const r2 = await dev.Establish()
      assert.equal(r2.fds.length, 1)
      const t2 = TunDevice.fromFd(r2.fds[0]!)
      assert.match(await ns.ip(['-br', 'addr', 'show', 'dev', t2.name]), /198\.18\.0\.6/)
      await dev.Destroy()
      t2.close()
    })

    void test('DNS added after Establish is applied at once and undone by Destroy', async () => {
      const { resolv } = e!
      const dev = await configure(e!, `n${uniqueSuffix()}`, { dns: false })
      const r = await dev.Establish()
      try {
        assert.equal(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
        await dev.AddDNS(['198.18.0.54'])
        assert.match(await readFile(resolv, 'utf8'), /^nameserver 198\.18\.0\.54$/m)
        await dev.AddDNSSearch(['late.example'])
        assert.match(await readFile(resolv, 'utf8'), /^search late\.example lan\.example$/m)
        await dev.Destroy()
        assert.equal(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
      } finally {
        for (const fd of r.fds) closeSync(fd)
      }
    })

    void test('a failure half-way through Establish is undone: no fd, no device, DNS restored', async () => {
      const { ns, resolv } = e!
      const before = await routes(ns)
      const linkNames = async (): Promise<string[]> =>
        (JSON.parse(await ns.ip(['-j', 'link'])) as { ifname: string }[])
          .map((l) => l.ifname)
          .sort()
      const linksBefore = await linkNames()
      const dev = await configure(e!, `f${uniqueSuffix()}`, { reroute: true })
      // the same address twice: the kernel refuses the second one after DNS, the TUN, the first
      // address and nothing else were set up
      await dev.AddIPAddress('198.18.0.6', 24, '198.18.0.1', false)
      const r = await dev.Establish()
      assert.deepEqual(r.fds, [])
      assert.deepEqual(await linkNames(), linksBefore)
      assert.equal(await routes(ns), before)
      assert.equal(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
      assert.equal(await dev.$get('device_name'), dev.$path.split('_').pop())
      await dev.Destroy()
    })

    void test('the owning backend is SIGKILLed: device, routes and DNS are undone', async () => {
      const { ns, resolv, bus } = e!
      const before = await routes(ns)
      const backend = await startProcess({
        entry: FAKE_BACKEND,
        args: [
          JSON.stringify({
            name: `k${uniqueSuffix()}`,
            addresses: [['198.18.0.6', 24, '198.18.0.1', false]],
            remote: ['192.0.2.200', false],
            networks: [['198.18.8.0', 24, -1, false, false]],
            dns: ['198.18.0.53'],
            search: ['vpn.example'],
            reroute4: true,
          }),
        ],
        bus,
        waitForLine: /^established /,
        timeoutMs: 20_000,
      })
      // always killed, also when an assertion below fails (a live child keeps this test alive)
      let ifname = ''
      try {
        const m = /^established (\S+) (\S+) (\d+)/m.exec(backend.output())
        ifname = m?.[2] ?? ''
        assert.notEqual(ifname, '')
        assert.match(await ns.ip(['-4', 'route', 'show']), /^0\.0\.0\.0\/1 dev/m)
        assert.notEqual(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
      } finally {
        await backend.stop('SIGKILL')
      }
      await pollUntil(
        'resolv.conf restored',
        async () => (await readFile(resolv, 'utf8')) === ORIGINAL_RESOLV || undefined,
        { timeoutMs: 10_000 }
      )
      let last = ''
      await pollUntil(
        'routes restored',
        async () => ((last = await routes(ns)) === before ? true : undefined),
        {
          timeoutMs: 10_000,
          describe: () => `before:\n${before}\nnow:\n${last}`,
        }
      )
      await assert.rejects(ns.ip(['link', 'show', 'dev', ifname]))
      assert.deepEqual(await e!.mgr.FetchInterfaceList(), [])
    })

    void test('ProtectSocket adds a host route via the pre-VPN gateway; Cleanup removes it', async () => {
      const { ns, mgr } = e!
      const before = await routes(ns)
      const sock = createSocket('udp4')
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
      try {
        // the fd goes in the message's fd side channel (spec §1.6); netcfg closes its copy
        const r = await mgr.$call('ProtectSocket', ['192.0.2.201', false, '/'], {
          fds: [sockFd(sock)],
        })
        assert.equal(r.value, true)
        assert.match(
          await ns.ip(['-4', 'route', 'show']),
          new RegExp(`^192\\.0\\.2\\.201 via 192\\.0\\.2\\.1 dev ${e!.uplink}`, 'm')
        )
        // a second call from the same PID replaces the first route
        assert.equal(await mgr.ProtectSocket('192.0.2.202', false, '/'), true)
        const v4 = await ns.ip(['-4', 'route', 'show'])
        assert.doesNotMatch(v4, /^192\.0\.2\.201 /m)
        assert.match(v4, /^192\.0\.2\.202 via 192\.0\.2\.1/m)
        await assert.rejects(
          mgr.ProtectSocket('2001:db8::1', false, '/'),
          /Invalid remote address '2001:db8::1'/
        )
        await mgr.Cleanup()
        assert.equal(await routes(ns), before)
      } finally {
        sock.close()
      }
    })

    void test('a second UID can neither configure nor destroy the device', async (t) => {
      const users = testUsers()
      if (users.test.uid === 0) return t.skip('no unprivileged test user')
      const dev = await configure(e!, `u${uniqueSuffix()}`, { dns: false })
      const other = await startProcess({
        entry: TRY_CALLS,
        args: [dev.$path],
        bus: e!.bus,
        uid: users.test.uid,
        timeoutMs: 20_000,
      })
      try {
        await other.waitForExit(20_000)
      } finally {
        if (!other.exited) await other.stop('SIGKILL')
      }
      const lines = other
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as { call: string; ok: boolean; error?: string })
      assert.equal(lines.length, 6, other.output())
      for (const l of lines) {
        assert.equal(l.ok, false, `${l.call} should be refused`)
        assert.match(l.error ?? '', /Access denied|AccessDenied/)
      }
      // still there and unchanged
      assert.equal(await dev.$get('mtu'), 1400)
      assert.deepEqual(await e!.mgr.FetchInterfaceList(), [dev.$path])
      await dev.Destroy()
    })

    void test('stopping the service restores resolv.conf and removes its devices', async () => {
      const { ns, resolv, svc } = e!
      const dev = await configure(e!, `s${uniqueSuffix()}`)
      const r = await dev.Establish()
      const name = await dev.$get('device_name')
      const fd = r.fds[0]!
      assert.notEqual(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
      assert.equal(await svc.stop('SIGTERM'), 0)
      assert.equal(await readFile(resolv, 'utf8'), ORIGINAL_RESOLV)
      await assert.rejects(ns.ip(['link', 'show', 'dev', name]))
      closeSync(fd)
    })
  }
)

void describe('netcfg service: least privilege (--run-as)', { skip, timeout: 60_000 }, () => {
  let e: Env | undefined
  after(async () => {
    await tearDown(e)
  })

  void test('started as root with --run-as openvpn it runs as that user with CAP_NET_ADMIN only', async (t) => {
    const users = testUsers()
    if (users.openvpn.name !== 'openvpn') return t.skip('no openvpn user on this machine')
    e = await setUp(['--run-as', 'openvpn'])
    const owner = await e.conn.callDaemon('GetNameOwner', 's', [BusName.netcfg])
    const uid = await e.conn.callDaemon('GetConnectionUnixUser', 's', [owner.body[0]])
    const pid = await e.conn.callDaemon('GetConnectionUnixProcessID', 's', [owner.body[0]])
    assert.equal(uid.body[0], users.openvpn.uid)
    const status = await readFile(`/proc/${String(pid.body[0])}/status`, 'utf8')
    const capEff = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'}`)
    // CAP_NET_ADMIN (12) and CAP_DAC_OVERRIDE (1, for --resolv-conf), nothing else
    assert.equal(capEff, (1n << 12n) | (1n << 1n))
    const dev = await configure(e, `p${uniqueSuffix()}`, { reroute: true })
    const r = await dev.Establish()
    assert.equal(r.fds.length, 1)
    const name = await dev.$get('device_name')
    assert.match(
      await e.ns.ip(['-4', 'route', 'show']),
      new RegExp(`^0\\.0\\.0\\.0/1 dev ${name}`, 'm')
    )
    assert.notEqual(await readFile(e.resolv, 'utf8'), ORIGINAL_RESOLV)
    await dev.Destroy()
    closeSync(r.fds[0]!)
    assert.equal(await readFile(e.resolv, 'utf8'), ORIGINAL_RESOLV)
  })
})

void describe(
  'netcfg service: systemd-resolved back-end against a stand-in',
  { skip, timeout: 60_000 },
  () => {
    let e: Env | undefined
    let resolvedConn: DBusConnection | undefined
    const calls: [string, unknown[]][] = []

    before(async () => {
      e = await setUp([], 'resolved')
      resolvedConn = await DBusConnection.connect({ address: e.bus.address })
      const record =
        (member: string) =>
        (args: Record<string, unknown>): void => {
          calls.push([member, Object.values(args)])
        }
      const host = new ServiceHost(resolvedConn)
      host.export('/org/freedesktop/resolve1', resolve1Manager, {
        methods: {
          SetLinkDNS: record('SetLinkDNS'),
          SetLinkDomains: record('SetLinkDomains'),
          SetLinkDefaultRoute: record('SetLinkDefaultRoute'),
          SetLinkDNSSEC: record('SetLinkDNSSEC'),
          SetLinkDNSOverTLS: record('SetLinkDNSOverTLS'),
          RevertLink: record('RevertLink'),
        },
        properties: {},
      })
      await requestName(resolvedConn, 'org.freedesktop.resolve1')
    })
    after(async () => {
      await resolvedConn?.close()
      await tearDown(e)
    })

    void test('per-link servers, search + routing domain, default route, DNSSEC, RevertLink', async () => {
      const dev = await configure(e!, `v${uniqueSuffix()}`)
      await dev.SetDNSSEC('optional')
      await dev.SetDNSTransport('dot')
      const r = await dev.Establish()
      const name = await dev.$get('device_name')
      const idx = (
        JSON.parse(await e!.ns.ip(['-j', 'link', 'show', 'dev', name])) as { ifindex: number }[]
      )[0]?.ifindex
      try {
        const byName = new Map(calls.map(([m, b]) => [m, b]))
        assert.deepEqual(byName.get('SetLinkDNS'), [
          idx,
          [
            [2, Buffer.from([198, 18, 0, 53])],
            [10, Buffer.from([0x20, 0x01, 0x0d, 0xb8, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x53])],
          ],
        ])
        assert.deepEqual(byName.get('SetLinkDomains'), [
          idx,
          [
            ['vpn.example', false],
            ['.', true],
          ],
        ])
        assert.deepEqual(byName.get('SetLinkDefaultRoute'), [idx, true])
        assert.deepEqual(byName.get('SetLinkDNSSEC'), [idx, 'allow-downgrade'])
        assert.deepEqual(byName.get('SetLinkDNSOverTLS'), [idx, 'yes'])
        assert.equal(await dev.$get('dnssec_mode'), 'optional')
        calls.length = 0
        await dev.Destroy()
        assert.deepEqual(calls, [['RevertLink', [idx]]])
      } finally {
        closeSync(r.fds[0]!)
      }
    })
  }
)

void describe(
  'netcfg service: calls pipelined as the backend sends them (slow route look-ups)',
  { skip, timeout: 60_000 },
  () => {
    let e: Env | undefined
    before(async () => {
      e = await setUp([], 'resolv', { slowRouteGet: true })
    })
    after(async () => {
      await tearDown(e)
    })

    void test('calls pipelined as the backend sends them: Establish waits for ProtectSocket', async () => {
      const { ns, mgr, conn } = e!
      const before = await routes(ns)
      const sock = createSocket('udp4')
      await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
      let fd: number | undefined
      try {
        // ProtectSocket's reply is not awaited before the device calls (backend netcfg-tun.ts)
        const protect = mgr.$call('ProtectSocket', ['192.0.2.203', false, '/'], {
          fds: [sockFd(sock)],
        })
        const path = await mgr.CreateVirtualInterface(`p${uniqueSuffix()}`)
        const dev = proxy(conn, BusName.netcfg, path, netcfgDeviceInterface)
        const calls = [
          dev.$set('dns_scope', 'global'),
          dev.AddIPAddress('198.18.0.6', 24, '198.18.0.1', false),
          dev.$set('layer', 3),
          dev.$set('mtu', 1400),
          dev.$set('reroute_ipv4', true),
          dev.AddNetworks([]),
        ]
        const established = dev.Establish()
        await Promise.all(calls)
        const r = await established
        fd = r.fds[0]
        assert.ok(fd !== undefined)
        assert.equal((await protect).value, true)
        const ifname = await dev.$get('device_name')
        const v4 = await ns.ip(['-4', 'route', 'show'])
        // the host route was looked up before the half-defaults existed: pre-VPN path
        assert.match(v4, new RegExp(`^192\\.0\\.2\\.203 via 192\\.0\\.2\\.1 dev ${e!.uplink}`, 'm'))
        assert.match(v4, new RegExp(`^0\\.0\\.0\\.0/1 dev ${ifname}`, 'm'))
        assert.match(v4, /^198\.18\.0\.0\/24 dev /m)
        await dev.Destroy()
        await mgr.Cleanup()
      } finally {
        if (fd !== undefined) closeSync(fd)
        sock.close()
      }
      assert.equal(await routes(ns), before)
    })
  }
)
