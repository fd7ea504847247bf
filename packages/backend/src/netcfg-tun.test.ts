/** The netcfg call plan for a pushed configuration (spec §7.4 steps 2–4). */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { linkSocketFd, netmaskToPrefix, tunPlan } from './netcfg-tun.js'

const base = {
  routes: [],
  routesIpv6: [],
  blockIpv6: false,
  dnsServers: [],
  searchDomains: [],
  dns: [],
  tunMtu: 1500,
  ignored: [],
}

void test('netmask to prefix', () => {
  assert.equal(netmaskToPrefix('255.255.255.0'), 24)
  assert.equal(netmaskToPrefix('255.255.255.255'), 32)
  assert.equal(netmaskToPrefix('255.255.240.0'), 20)
  assert.equal(netmaskToPrefix('0.0.0.0'), 0)
})

void test('subnet topology: address with netmask prefix and route-gateway; routes, DNS, reroute', () => {
  const plan = tunPlan({
    ...base,
    topology: 'subnet',
    ifconfig: { local: '198.18.1.2', remoteOrNetmask: '255.255.255.0' },
    ifconfigIpv6: { local: 'fd00::2', prefixLength: 64 },
    routeGateway: '198.18.1.1',
    routes: [
      { network: '10.0.0.0', netmask: '255.0.0.0' },
      { network: '192.0.2.1', netmask: '255.255.255.255', gateway: 'net_gateway', metric: 5 },
    ],
    routesIpv6: [{ network: 'fd01::/48' }],
    redirectGateway: { flags: ['def1'], ipv4: true, ipv6: false, def1: true, local: false },
    dnsServers: ['198.18.1.53'],
    dnsDomain: 'vpn.example',
    searchDomains: ['corp.example'],
  })
  assert.deepEqual(plan.addresses, [
    ['198.18.1.2', 24, '198.18.1.1', false],
    ['fd00::2', 64, '', true],
  ])
  assert.deepEqual(plan.networks, [
    ['10.0.0.0', 8, -1, false, false],
    ['192.0.2.1', 32, 5, false, true],
    ['fd01::', 48, -1, true, false],
  ])
  assert.equal(plan.reroute4, true)
  assert.equal(plan.reroute6, false)
  assert.deepEqual(plan.dns, ['198.18.1.53'])
  assert.deepEqual(plan.search, ['corp.example', 'vpn.example'])
})

void test('net30 and p2p: peer address as gateway', () => {
  const net30 = tunPlan({
    ...base,
    topology: 'net30',
    ifconfig: { local: '198.18.0.6', remoteOrNetmask: '198.18.0.5' },
  })
  assert.deepEqual(net30.addresses, [['198.18.0.6', 30, '198.18.0.5', false]])
  const p2p = tunPlan({
    ...base,
    topology: 'p2p',
    ifconfig: { local: '198.18.0.6', remoteOrNetmask: '198.18.0.5' },
  })
  assert.deepEqual(p2p.addresses, [['198.18.0.6', 32, '198.18.0.5', false]])
})

void test('linkSocketFd finds the descriptor of the engine’s UDP and TCP links', async () => {
  const { createServer } = await import('node:net')
  const { createSocket } = await import('node:dgram')
  const { readlinkSync } = await import('node:fs')
  const { openUdpLink, openTcpLink } = await import('@openvpn3-ts/protocol')
  const udpPeer = createSocket('udp4')
  await new Promise<void>((r) => udpPeer.bind(0, '127.0.0.1', r))
  const tcpPeer = createServer((s) => s.on('error', () => undefined))
  await new Promise<void>((r) => tcpPeer.listen(0, '127.0.0.1', r))
  try {
    const udpPort = udpPeer.address().port
    const tcpAddr = tcpPeer.address()
    assert.ok(tcpAddr && typeof tcpAddr === 'object')
    const udp = await openUdpLink({ host: '127.0.0.1', port: udpPort, proto: 'udp' })
    const tcp = await openTcpLink({ host: '127.0.0.1', port: tcpAddr.port, proto: 'tcp' }, {})
    try {
      for (const link of [udp, tcp]) {
        const fd = linkSocketFd(link)
        assert.ok(fd !== undefined && fd > 2)
        assert.match(readlinkSync(`/proc/self/fd/${fd}`), /^socket:/)
      }
      assert.equal(linkSocketFd({}), undefined)
    } finally {
      await udp.close()
      await tcp.close()
    }
  } finally {
    udpPeer.close()
    tcpPeer.close()
  }
})
