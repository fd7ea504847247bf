/**
 * Whole-stack throughput benchmark (issue 6): iperf3 TCP up and down through our tunnel,
 * started over the bus as a library client would (NewTunnel → Ready → Connect), and through the
 * stock `openvpn` 2.6 client to the same lab server, interleaved in the same run. The services
 * and the backend clients run compiled, as installed.
 *
 * ROUNDS rounds (default 5); in each round every client (our variants, then stock; the order
 * rotates per round) connects, runs iperf3 TCP up and down for SECONDS each (default 8) and
 * disconnects. Per run it records Mbit/s, TCP retransmits (iperf3 `end.sum_sent.retransmits`),
 * the UDP receive-buffer drops and input errors of the server namespace and of the client
 * namespace (/proc/net/snmp deltas), the TUN queue drops (tx_dropped) in both, the CPU time of
 * the client process, of the stock server, of our services and of the warm spare, the machine's
 * idle and stolen CPU share (/proc/stat) and the load average. It prints a table and the
 * medians per client and writes `bench/results/stack-throughput.json`.
 *
 * SETTLE_MS (default 0) pauses after each connect before iperf3: our backend starter starts a
 * new warm spare client right after a session took the old one, and its start-up CPU falls
 * into the first seconds of the upload run otherwise (recorded per run as spareCpuS).
 *
 * Variants of ours (VARIANTS, comma-separated send-batch caps, default "0"): each value runs its
 * own service stack in the same client namespace whose backend clients get
 * OPENVPN3_TS_UDP_SEND_BATCH=<value> (batched-udp-link.ts; 0: no cap). The first variant's
 * stack is `startStack()`; extra ones share its lab.
 * Run by `bench/stack-throughput.mjs` (needs root and `npm run build`).
 */
import { readFileSync, readdirSync, readlinkSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import {
  BusName,
  DBusConnection,
  ObjectPath,
  StatusMajor,
  StatusMinor,
  configurationManagerInterface,
  proxy,
  sessionManagerInterface,
  sessionObjectInterface,
} from '@openvpn3-ts/dbus'
import {
  IPERF_PORT,
  REPO_ROOT,
  type Lab,
  type LabServer,
  type ServiceStack,
  pollUntil,
  startServiceStack,
  startStockClient,
} from '@openvpn3-ts/testkit'
import { type Stack, startStack } from './stack.js'

const ROUNDS = Number(process.env['ROUNDS'] ?? 5)
const SECONDS = Number(process.env['SECONDS'] ?? 8)
/** pause after a client connected, before iperf3 (both clients; default 0) */
const SETTLE_MS = Number(process.env['SETTLE_MS'] ?? 0)
const VARIANTS = (process.env['VARIANTS'] ?? '0')
  .split(',')
  .map((s) => s.trim())
  .filter((s) => s !== '')
  .map(Number)
if (VARIANTS.length === 0 || VARIANTS.some((v) => !Number.isInteger(v) || v < 0)) {
  throw new TypeError(`VARIANTS: comma-separated whole numbers, got ${process.env['VARIANTS']}`)
}
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || !(SECONDS > 0)) {
  throw new TypeError('ROUNDS must be a whole number >= 1 and SECONDS > 0')
}
/** Bound on the whole run: every connect, iperf3 run and disconnect, plus start-up. */
const DEADLINE_MS = (ROUNDS * (VARIANTS.length + 1) * (2 * SECONDS + 60) + 180) * 1000

const CLK_TCK = 100

const median = (xs: number[]): number => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const m = Math.floor(s.length / 2)
  return s.length % 2 === 1 ? (s[m] ?? NaN) : ((s[m - 1] ?? 0) + (s[m] ?? 0)) / 2
}

/** utime + stime of a process in seconds (NaN once it is gone). */
function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // fields after the command name (which may hold spaces) start at state (field 3)
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(rest[11]) + Number(rest[12])) / CLK_TCK
  } catch {
    return NaN
  }
}

/** The machine's CPU time split from /proc/stat (ticks): busy, idle (+iowait), steal. */
function machineCpu(): { busy: number; idle: number; steal: number } {
  const f = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1)
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f.map(Number)
  return {
    busy: (user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0),
    idle: (idle ?? 0) + (iowait ?? 0),
    steal: steal ?? 0,
  }
}

/**
 * CPU seconds so far of the backend client processes in network namespace `netInode` other
 * than `except` (the backend starter's warm spare, started again after each session).
 */
function otherClientsCpu(netInode: string, except: number): Map<number, number> {
  const out = new Map<number, number>()
  for (const d of readdirSync('/proc')) {
    const pid = Number(d)
    if (!Number.isInteger(pid) || pid === except) continue
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== netInode) continue
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('client-main')) continue
      out.set(pid, cpuSeconds(pid))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

interface UdpCounters {
  inDatagrams: number
  inErrors: number
  rcvbufErrors: number
}

async function udpCounters(lab: Lab, ns: string): Promise<UdpCounters> {
  const r = await lab.exec(ns, 'cat', ['/proc/net/snmp'], { timeoutMs: 5000 })
  const lines = r.stdout.split('\n').filter((l) => l.startsWith('Udp: '))
  const names = lines[0]?.split(/\s+/).slice(1) ?? []
  const values = lines[1]?.split(/\s+/).slice(1).map(Number) ?? []
  const get = (n: string) => values[names.indexOf(n)] ?? NaN
  return {
    inDatagrams: get('InDatagrams'),
    inErrors: get('InErrors'),
    rcvbufErrors: get('RcvbufErrors'),
  }
}

/** tx_dropped per TUN device in `ns` (packets the device queue dropped before its reader). */
async function tunTxDropped(lab: Lab, ns: string): Promise<Map<string, number>> {
  const r = await lab.exec(ns, 'ip', ['-s', '-j', 'link', 'show', 'type', 'tun'], {
    timeoutMs: 5000,
  })
  const out = new Map<string, number>()
  try {
    const links = JSON.parse(r.stdout || '[]') as {
      ifname?: string
      stats64?: { tx?: { dropped?: number } }
    }[]
    for (const l of links) {
      if (l.ifname !== undefined) out.set(l.ifname, l.stats64?.tx?.dropped ?? 0)
    }
  } catch {
    // no JSON: no devices
  }
  return out
}

function dropsDelta(before: Map<string, number>, after: Map<string, number>): number {
  let n = 0
  for (const [name, v] of after) n += v - (before.get(name) ?? 0)
  return n
}

interface IperfResult {
  mbit: number
  retransmits: number | null
}

async function iperf(lab: Lab, ip: string, reverse: boolean): Promise<IperfResult> {
  const args = ['-c', ip, '-p', String(IPERF_PORT), '-t', String(SECONDS), '-J']
  if (reverse) args.push('-R')
  let last = ''
  for (let attempt = 0; attempt < 2; attempt++) {
    const r = await lab.exec(lab.clientNs, 'iperf3', args, { timeoutMs: (SECONDS + 25) * 1000 })
    if (r.code === 0) {
      const j = JSON.parse(r.stdout) as {
        end?: {
          sum_received?: { bits_per_second?: number }
          sum_sent?: { retransmits?: number }
        }
      }
      return {
        mbit: Math.round((j.end?.sum_received?.bits_per_second ?? 0) / 1e5) / 10,
        retransmits: j.end?.sum_sent?.retransmits ?? null,
      }
    }
    last = `${r.stdout.slice(0, 400)} ${r.stderr.slice(0, 400)}`
    await new Promise((res) => setTimeout(res, 1000))
  }
  throw new Error(`iperf3 failed twice: ${last}`)
}

interface RunRecord {
  round: number
  client: string
  direction: 'up' | 'down'
  mbit: number
  retransmits: number | null
  serverUdpRcvbufErrors: number
  serverUdpInErrors: number
  serverUdpInDatagrams: number
  clientUdpRcvbufErrors: number
  clientUdpInErrors: number
  /** TUN device queue drops (tx_dropped) in the server and in the client namespace */
  serverTunDrops: number
  clientTunDrops: number
  clientCpuS: number
  serverCpuS: number
  /** CPU of our services (log, configmgr, netcfg, backendstart, sessionmgr) of all stacks */
  servicesCpuS: number
  /** CPU of other backend clients in the client namespace (warm spares starting up) */
  spareCpuS: number
  /** the whole machine during the run, % of all CPUs: busy, idle, stolen by the host */
  machineBusyPct: number
  machineIdlePct: number
  machineStealPct: number
  loadavg1: number
}

/** One of our stacks: its bus connection and imported profile. */
interface OursClient {
  name: string
  conn: DBusConnection
  config: string
}

async function connectOurs(c: OursClient): Promise<{ pid: number; disconnect(): Promise<void> }> {
  const mgr = proxy(c.conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
  const path = await mgr.NewTunnel(c.config)
  const s = proxy(c.conn, BusName.sessions, path, sessionObjectInterface)
  await s.Ready()
  await s.Connect()
  await pollUntil(
    'connected',
    async () => {
      const [major, minor] = await s.$get('status')
      return (major === StatusMajor.CONNECTION && minor === StatusMinor.CONN_CONNECTED) || undefined
    },
    { timeoutMs: 30_000, intervalMs: 20 }
  )
  const pid = await s.$get('backend_pid')
  return {
    pid,
    disconnect: async () => {
      await s.Disconnect()
      await pollUntil(
        'backend exit',
        () => {
          try {
            process.kill(pid, 0)
            return undefined
          } catch {
            return true
          }
        },
        { timeoutMs: 15_000 }
      )
      // the backend starter's warm spare client gets ready again
      await new Promise((r) => setTimeout(r, 1500))
    },
  }
}

async function measure(
  lab: Lab,
  server: LabServer,
  round: number,
  client: string,
  pid: number,
  servicePids: () => number[]
): Promise<RunRecord[]> {
  const servicesCpu = () => servicePids().reduce((a, p) => a + (cpuSeconds(p) || 0), 0)
  const out: RunRecord[] = []
  if (SETTLE_MS > 0) await new Promise((r) => setTimeout(r, SETTLE_MS))
  for (const direction of ['up', 'down'] as const) {
    const [s0, c0] = await Promise.all([
      udpCounters(lab, lab.serverNs),
      udpCounters(lab, lab.clientNs),
    ])
    const [st0, ct0] = await Promise.all([
      tunTxDropped(lab, lab.serverNs),
      tunTxDropped(lab, lab.clientNs),
    ])
    const cpu0 = cpuSeconds(pid)
    const srv0 = cpuSeconds(server.pid)
    const svc0 = servicesCpu()
    const netInode = readlinkSync(`/proc/${pid}/ns/net`)
    const spare0 = otherClientsCpu(netInode, pid)
    const m0 = machineCpu()
    const r = await iperf(lab, server.tunnelServerIp, direction === 'down')
    const cpu1 = cpuSeconds(pid)
    const srv1 = cpuSeconds(server.pid)
    const svc1 = servicesCpu()
    const m1 = machineCpu()
    let spare = 0
    for (const [p, c] of otherClientsCpu(netInode, pid)) spare += c - (spare0.get(p) ?? 0)
    const mTotal = m1.busy + m1.idle + m1.steal - (m0.busy + m0.idle + m0.steal) || 1
    const pct = (x: number) => Math.round((1000 * x) / mTotal) / 10
    const [st1, ct1] = await Promise.all([
      tunTxDropped(lab, lab.serverNs),
      tunTxDropped(lab, lab.clientNs),
    ])
    const [s1, c1] = await Promise.all([
      udpCounters(lab, lab.serverNs),
      udpCounters(lab, lab.clientNs),
    ])
    const rec: RunRecord = {
      round,
      client,
      direction,
      mbit: r.mbit,
      retransmits: r.retransmits,
      serverUdpRcvbufErrors: s1.rcvbufErrors - s0.rcvbufErrors,
      serverUdpInErrors: s1.inErrors - s0.inErrors,
      serverUdpInDatagrams: s1.inDatagrams - s0.inDatagrams,
      clientUdpRcvbufErrors: c1.rcvbufErrors - c0.rcvbufErrors,
      clientUdpInErrors: c1.inErrors - c0.inErrors,
      serverTunDrops: dropsDelta(st0, st1),
      clientTunDrops: dropsDelta(ct0, ct1),
      clientCpuS: Math.round((cpu1 - cpu0) * 100) / 100,
      serverCpuS: Math.round((srv1 - srv0) * 100) / 100,
      servicesCpuS: Math.round((svc1 - svc0) * 100) / 100,
      spareCpuS: Math.round(spare * 100) / 100,
      machineBusyPct: pct(m1.busy - m0.busy),
      machineIdlePct: pct(m1.idle - m0.idle),
      machineStealPct: pct(m1.steal - m0.steal),
      loadavg1: Math.round((loadavg()[0] ?? NaN) * 100) / 100,
    }
    out.push(rec)
    process.stdout.write(
      `${String(round).padStart(2)} ${client.padEnd(10)} ${direction.padEnd(4)} ` +
        `${String(rec.mbit).padStart(7)} Mbit/s  retr ${String(rec.retransmits).padStart(6)}  ` +
        `srv rcvbuf drops ${String(rec.serverUdpRcvbufErrors).padStart(6)}  ` +
        `cli rcvbuf drops ${String(rec.clientUdpRcvbufErrors).padStart(6)}  ` +
        `tun drops srv ${rec.serverTunDrops} cli ${rec.clientTunDrops}  ` +
        `cpu cli ${rec.clientCpuS.toFixed(2)} s srv ${rec.serverCpuS.toFixed(2)} s ` +
        `svc ${rec.servicesCpuS.toFixed(2)} s spare ${rec.spareCpuS.toFixed(2)} s  ` +
        `idle ${rec.machineIdlePct}% steal ${rec.machineStealPct}%  ` +
        `load ${rec.loadavg1}\n`
    )
  }
  return out
}

function summarise(runs: RunRecord[], clients: string[]): Record<string, unknown> {
  const summary: Record<string, unknown> = {}
  for (const client of clients) {
    for (const direction of ['up', 'down'] as const) {
      const rs = runs.filter((r) => r.client === client && r.direction === direction)
      summary[`${client} ${direction}`] = {
        runs: rs.length,
        mbit_median: median(rs.map((r) => r.mbit)),
        mbit_all: rs.map((r) => r.mbit),
        retransmits_median: median(rs.map((r) => r.retransmits ?? NaN)),
        server_rcvbuf_drops_median: median(rs.map((r) => r.serverUdpRcvbufErrors)),
        client_rcvbuf_drops_median: median(rs.map((r) => r.clientUdpRcvbufErrors)),
        server_tun_drops_median: median(rs.map((r) => r.serverTunDrops)),
        client_tun_drops_median: median(rs.map((r) => r.clientTunDrops)),
        client_cpu_s_median: median(rs.map((r) => r.clientCpuS)),
        server_cpu_s_median: median(rs.map((r) => r.serverCpuS)),
        services_cpu_s_median: median(rs.map((r) => r.servicesCpuS)),
        spare_cpu_s_median: median(rs.map((r) => r.spareCpuS)),
        server_loss_pct_median: median(
          rs.map(
            (r) =>
              Math.round(
                (1000 * r.serverUdpRcvbufErrors) /
                  (r.serverUdpInDatagrams + r.serverUdpRcvbufErrors || 1)
              ) / 10
          )
        ),
        machine_idle_pct_median: median(rs.map((r) => r.machineIdlePct)),
        machine_steal_pct_median: median(rs.map((r) => r.machineStealPct)),
      }
    }
  }
  return summary
}

async function main(): Promise<void> {
  const started = new Date().toISOString()
  const loadStart = loadavg()
  const st: Stack = await startStack({
    servers: [{ kind: 'cert' }],
    runner: 'dist',
    clientRunner: 'dist',
  })
  const extra: ServiceStack[] = []
  const conns: DBusConnection[] = []
  const closeAll = async () => {
    for (const c of conns) await c.close().catch(() => undefined)
    for (const s of extra.reverse()) await s.stop().catch(() => undefined)
    await st.close()
  }
  const deadline = setTimeout(() => {
    process.stderr.write(`bench timed out after ${DEADLINE_MS / 1000} s\n`)
    void closeAll().finally(() => process.exit(1))
  }, DEADLINE_MS)
  try {
    const server = st.lab.servers[0]
    if (!server) throw new Error('no server')
    const ours: OursClient[] = []
    for (const [i, v] of VARIANTS.entries()) {
      let address = st.bus.address
      if (i > 0 || v !== 0) {
        // the first variant with a cap, and every further one, get a stack of their own
        const s = await startServiceStack({
          services: ['log', 'configmgr', 'netcfg', 'backendstart', 'sessionmgr'],
          netns: st.lab.clientNs,
          args: {
            log: ['--log-level', '4'],
            backendstart: [
              '--client-runner',
              'dist',
              '--client-setenv',
              `OPENVPN3_TS_UDP_SEND_BATCH=${v}`,
            ],
          },
          resolvConf: '# bench resolv.conf\nnameserver 192.0.2.53\n',
          runner: 'dist',
        })
        extra.push(s)
        address = s.bus.address
      }
      const conn = await DBusConnection.connect({ address, callTimeoutMs: 30_000 })
      conns.push(conn)
      const cfgmgr = proxy(
        conn,
        BusName.configuration,
        ObjectPath.configuration,
        configurationManagerInterface
      )
      const config = await cfgmgr.Import('bench', server.profile, false, true)
      ours.push({ name: v === 0 ? 'ours' : `ours-b${v}`, conn, config })
    }
    const clients = [...ours.map((o) => o.name), 'stock']
    const servicePids = () => [
      ...Object.values(st.servicePids()),
      ...extra.flatMap((x) => Object.values(x.pids())),
    ]
    const iperf3 = await st.lab.startIperfServer()
    const runs: RunRecord[] = []
    try {
      for (let round = 1; round <= ROUNDS; round++) {
        const k = (round - 1) % clients.length
        const order = [...clients.slice(k), ...clients.slice(0, k)]
        for (const name of order) {
          const o = ours.find((x) => x.name === name)
          if (o) {
            const s = await connectOurs(o)
            try {
              runs.push(...(await measure(st.lab, server, round, name, s.pid, servicePids)))
            } finally {
              await s.disconnect()
            }
          } else {
            const p = await startStockClient(st.lab, server, {
              waitFor: /Initialization Sequence Completed/,
            })
            try {
              runs.push(...(await measure(st.lab, server, round, 'stock', p.pid, servicePids)))
            } finally {
              await p.stop()
              await new Promise((r) => setTimeout(r, 500))
            }
          }
        }
      }
    } finally {
      await iperf3.stop()
    }
    const summary = summarise(runs, clients)
    process.stdout.write('\nmedians:\n')
    for (const [key, v] of Object.entries(summary)) {
      const s = v as Record<string, number | number[]>
      process.stdout.write(
        `${key.padEnd(15)} ${String(s['mbit_median']).padStart(7)} Mbit/s ` +
          `(${(s['mbit_all'] as number[]).join(' ')})  retr ${s['retransmits_median']}  ` +
          `srv drops ${s['server_rcvbuf_drops_median']} (${s['server_loss_pct_median']}%)  ` +
          `cli drops ${s['client_rcvbuf_drops_median']}  ` +
          `tun drops srv ${s['server_tun_drops_median']} cli ${s['client_tun_drops_median']}  ` +
          `cpu cli ${s['client_cpu_s_median']} s srv ${s['server_cpu_s_median']} s ` +
          `spare ${s['spare_cpu_s_median']} s  idle ${s['machine_idle_pct_median']}% ` +
          `steal ${s['machine_steal_pct_median']}%\n`
      )
    }
    const results = {
      date: started,
      rounds: ROUNDS,
      seconds: SECONDS,
      settle_ms: SETTLE_MS,
      variants: VARIANTS,
      loadavg_start: loadStart,
      loadavg_end: loadavg(),
      summary,
      runs,
    }
    const dir = join(REPO_ROOT, 'bench', 'results')
    await mkdir(dir, { recursive: true })
    await writeFile(join(dir, 'stack-throughput.json'), JSON.stringify(results, null, 2) + '\n')
  } finally {
    clearTimeout(deadline)
    await closeAll()
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exit(1)
  }
)
