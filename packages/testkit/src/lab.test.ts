/**
 * Lab tests: the stock OpenVPN 2.6 client, run in the client namespace, connects to every kind
 * of lab server and pings the server's tunnel address; wrong credentials and a server
 * certificate without the serverAuth EKU are refused; close() leaves no namespace, process or
 * temp dir behind (also for processes the lab did not start itself).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { strict as assert } from 'node:assert'
import { isAlive } from './cleanup.js'
import { parseTunDevices, startLab, type Lab, type LabServer } from './lab.js'
import { LAB_CHALLENGE_RESPONSE, LAB_PASSWORD, LAB_USERNAME } from './lab-server-config.js'
import { listNamespacesSync } from './netns.js'
import { startStockClient } from './stock-client.js'

function labUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces'
  if (!existsSync('/dev/net/tun')) return 'needs /dev/net/tun'
  const r = spawnSync('openvpn', ['--version'], { encoding: 'utf8' })
  if (r.error || !/OpenVPN 2\.6/.test(r.stdout)) return 'needs openvpn 2.6'
  return undefined
}

/** PIDs of processes whose command line mentions `needle`. */
function pidsMentioning(needle: string): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) found.push(Number(entry))
    } catch {
      // exited meanwhile
    }
  }
  return found.filter(isAlive)
}

function assertLabGone(
  lab: Pick<Lab, 'clientNs' | 'serverNs' | 'dir'>,
  pids: number[],
  t: TestContext
): void {
  const namespaces = listNamespacesSync()
  assert.ok(!namespaces.includes(lab.clientNs), `${lab.clientNs} deleted`)
  assert.ok(!namespaces.includes(lab.serverNs), `${lab.serverNs} deleted`)
  assert.equal(existsSync(lab.dir), false, 'lab dir removed')
  for (const pid of pids) assert.equal(isAlive(pid), false, `pid ${pid} is gone`)
  assert.deepEqual(pidsMentioning(lab.dir), [], 'no process refers to the lab dir')
  t.diagnostic(`checked ${pids.length} PIDs, 2 namespaces and ${lab.dir}`)
}

void test('parseTunDevices reads device names from ip -o link output', () => {
  const out = [
    '7: tun0: <POINTOPOINT,MULTICAST,NOARP,UP,LOWER_UP> mtu 1500 qdisc fq_codel state UNKNOWN',
    '9: ovpn-x1@NONE: <POINTOPOINT> mtu 1500 qdisc noop state DOWN',
    '',
  ].join('\n')
  assert.deepEqual(parseTunDevices(out), ['tun0', 'ovpn-x1'])
  assert.deepEqual(parseTunDevices(''), [])
})

void describe('startLab', { skip: labUnavailable() ?? false }, () => {
  void test('stock openvpn client connects to every server kind and pings through the tunnel', async (t) => {
    const t0 = Date.now()
    const lab = await startLab({
      servers: [
        { kind: 'cert' },
        { kind: 'tls-auth' },
        { kind: 'tls-crypt' },
        { kind: 'tls-crypt-v2' },
        { kind: 'userpass' },
        { kind: 'tcp' },
        { kind: 'static-challenge' },
      ],
    })
    t.diagnostic(`lab with ${lab.servers.length} servers started in ${Date.now() - t0} ms`)
    const pids: number[] = lab.servers.map((s) => s.pid)
    try {
      // one TUN per server in the server namespace, none yet in the client namespace
      assert.equal((await lab.tunDevices(lab.serverNs)).length, lab.servers.length)
      assert.deepEqual(await lab.tunDevices(), [])
      assert.deepEqual(
        lab.servers.map((s) => [s.kind, s.proto, s.port, s.tunnelNetwork, s.tunnelServerIp]),
        [
          ['cert', 'udp', 1194, '198.18.1.0/24', '198.18.1.1'],
          ['tls-auth', 'udp', 1195, '198.18.2.0/24', '198.18.2.1'],
          ['tls-crypt', 'udp', 1196, '198.18.3.0/24', '198.18.3.1'],
          ['tls-crypt-v2', 'udp', 1197, '198.18.4.0/24', '198.18.4.1'],
          ['userpass', 'udp', 1198, '198.18.5.0/24', '198.18.5.1'],
          ['tcp', 'tcp', 1199, '198.18.6.0/24', '198.18.6.1'],
          ['static-challenge', 'udp', 1200, '198.18.7.0/24', '198.18.7.1'],
        ]
      )
      for (const s of lab.servers) assert.match(s.log(), /Initialization Sequence Completed/)

      const t1 = Date.now()
      const connectable = lab.servers.filter((s) => s.kind !== 'static-challenge')
      const clients = await Promise.all(connectable.map((s) => startStockClient(lab, s)))
      pids.push(...clients.map((c) => c.pid))
      t.diagnostic(`${clients.length} stock clients connected in ${Date.now() - t1} ms`)

      const pings = await Promise.all(
        connectable.map((s) =>
          lab.exec(lab.clientNs, 'ping', ['-c', '3', '-i', '0.2', '-W', '2', s.tunnelServerIp])
        )
      )
      pings.forEach((p, i) => {
        const s = connectable[i]
        assert.equal(p.code, 0, `ping ${s?.kind} ${s?.tunnelServerIp}: ${p.stdout}${p.stderr}`)
        assert.match(p.stdout, /3 received/)
      })

      // The client namespace sees exactly one tunnel address per connected server.
      const addrs = await lab.exec(lab.clientNs, 'ip', ['-4', '-o', 'addr', 'show'])
      for (const s of connectable) {
        assert.match(addrs.stdout, new RegExp(`inet ${s.tunnelServerIp.replace(/\.1$/, '.2')}/24`))
      }
      // The servers see the clients (management interface, status 2).
      const [userpassClients] = await Promise.all([lab.servers[4]?.clients()])
      assert.equal(userpassClients?.length, 1)
      assert.equal(userpassClients?.[0]?.commonName, 'client.lab')
      assert.equal(userpassClients?.[0]?.username, LAB_USERNAME)
      assert.equal(userpassClients?.[0]?.virtualAddress, '198.18.5.2')
      assert.match(userpassClients?.[0]?.cipher ?? '', /^AES-256-GCM$/)

      // Leave the clients running: close() must also remove processes it did not start.
    } finally {
      await lab.close()
    }
    assertLabGone(lab, pids, t)
    await lab.close() // idempotent
  })

  void test('servers refuse a wrong password and clients refuse a server cert without serverAuth', async (t) => {
    const lab = await startLab({
      servers: [{ kind: 'userpass' }, { kind: 'cert', serverCert: 'server-no-eku' }],
    })
    const pids = lab.servers.map((s) => s.pid)
    try {
      const [userpass, noEku] = lab.servers as [LabServer, LabServer]
      const bad = await startStockClient(lab, userpass, {
        password: 'wrong',
        waitFor: /AUTH_FAILED/,
      })
      pids.push(bad.pid)
      await bad.stop()
      await userpass.waitForLog(/TLS Auth Error|authentication failed|AUTH_FAILED/i, 5000)

      const refused = await startStockClient(lab, noEku, {
        waitFor: /VERIFY (KU|EKU) ERROR|certificate verify failed/,
      })
      pids.push(refused.pid)
      await refused.stop()
    } finally {
      await lab.close()
    }
    assertLabGone(lab, pids, t)
  })

  void test('static-challenge auth script accepts only SCRV1 with the right PIN', async () => {
    const lab = await startLab({ servers: [{ kind: 'static-challenge' }] })
    try {
      const [server] = lab.servers as [LabServer]
      assert.equal(server.username, LAB_USERNAME)
      assert.equal(server.challengeResponse, LAB_CHALLENGE_RESPONSE)
      assert.match(server.profile, /^static-challenge "Enter PIN" 1$/m)
      assert.match(server.profile, /^auth-user-pass$/m)
      const script = join(lab.dir, `server-${server.index}-auth.sh`)
      const b64 = (s: string): string => Buffer.from(s).toString('base64')
      const verify = (user: string, pass: string): number | null => {
        const f = join(lab.dir, 'via-file')
        writeFileSync(f, `${user}\n${pass}\n`)
        return spawnSync(script, [f]).status
      }
      assert.equal(verify(LAB_USERNAME, `SCRV1:${b64(LAB_PASSWORD)}:${b64('424242')}`), 0)
      assert.equal(verify(LAB_USERNAME, `SCRV1:${b64(LAB_PASSWORD)}:${b64('000000')}`), 1)
      assert.equal(verify(LAB_USERNAME, LAB_PASSWORD), 1)
      assert.equal(verify('someone', `SCRV1:${b64(LAB_PASSWORD)}:${b64('424242')}`), 1)
    } finally {
      await lab.close()
    }
  })

  void test('iperf3 server runs in the server namespace and is gone after close', async (t) => {
    const lab = await startLab()
    let pid = -1
    try {
      const iperf = await lab.startIperfServer()
      pid = iperf.pid
      const ss = await lab.exec(lab.serverNs, 'ss', ['-ltnH'])
      assert.match(ss.stdout, new RegExp(`:${iperf.port}\\b`))
      const fromClient = await lab.exec(lab.clientNs, 'iperf3', [
        '-c',
        lab.serverAddr,
        '-t',
        '1',
        '-J',
      ])
      assert.equal(fromClient.code, 0, fromClient.stderr)
    } finally {
      await lab.close()
    }
    assertLabGone(lab, [pid], t)
  })

  void test('restart(): the server comes back and the stock client reconnects', async (t) => {
    const lab = await startLab({ servers: [{ kind: 'cert' }] })
    const [server] = lab.servers as [LabServer]
    const pids = [server.pid]
    try {
      const client = await startStockClient(lab, server)
      pids.push(client.pid)
      const [entry] = await server.clients()
      assert.ok(entry, 'the server lists the client')
      const killed = await server.management(`client-kill ${entry.clientId}`)
      assert.match(killed[0] ?? '', /^SUCCESS: client-kill command succeeded/)
      // client-kill sends RESTART: the client reconnects by itself.
      await client.waitForLine(/(Initialization Sequence Completed[^]*){2}/, 20_000)
      const t0 = Date.now()
      await server.restart()
      pids.push(server.pid)
      assert.notEqual(server.pid, pids[0])
      // explicit-exit-notify tells the client; it reconnects to the new server process.
      await client.waitForLine(/(Initialization Sequence Completed[^]*){3}/, 20_000)
      t.diagnostic(`server restarted and client reconnected in ${Date.now() - t0} ms`)
      const ping = await lab.exec(lab.clientNs, 'ping', [
        '-c',
        '1',
        '-W',
        '2',
        server.tunnelServerIp,
      ])
      assert.equal(ping.code, 0, ping.stdout)
    } finally {
      await lab.close()
    }
    assertLabGone(lab, pids, t)
  })
})
