/**
 * Session benchmarks (issue 6), side by side with the stock `openvpn` 2.6 client to the same
 * lab server in the same run:
 *  - `session-start` wall time to "connected", cold (first session after the services
 *    started) and warm; measured for the CLI process (tsx sources and built dist) and at the
 *    bus (NewTunnel → Ready → Connect → CONN_CONNECTED, as a library client would);
 *    stock client: spawn → "Initialization Sequence Completed";
 *  - iperf3 TCP throughput both ways through our tunnel and through the stock client's;
 *  - peak RSS (VmHWM) of the backend client process and of the whole stack, vs stock openvpn.
 * Run by `bench/session-start.mjs`; writes `bench/session-results.json`.
 */
import { readFileSync, existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
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
  pollUntil,
  startProcess,
  startStockClient,
} from '@openvpn3-ts/testkit'
import { type Stack, startStack } from './stack.js'

const ROUNDS = Number(process.env['ROUNDS'] ?? 5)
const SECONDS = Number(process.env['IPERF_SECONDS'] ?? 5)
/** the installed command: shell launcher → CommonJS start → bundle (packages/cli/bin) */
const DIST_CLI = join(REPO_ROOT, 'packages/cli/bin/openvpn3')

function hwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}
const r0 = (x: number) => Math.round(x)

async function iperf(st: Stack, ip: string, reverse: boolean): Promise<number> {
  const r = await st.lab.exec(
    st.lab.clientNs,
    'iperf3',
    ['-c', ip, '-p', String(IPERF_PORT), '-t', String(SECONDS), '-J', ...(reverse ? ['-R'] : [])],
    { timeoutMs: (SECONDS + 20) * 1000 }
  )
  if (r.code !== 0) throw new Error(`iperf3 failed: ${r.stderr}`)
  const j = JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }
  return Math.round(j.end.sum_received.bits_per_second / 1e5) / 10
}

/**
 * One session-start through the CLI; returns wall ms. `dist`: the installed command
 * (packages/cli/bin/openvpn3), else the TypeScript sources under tsx. `modules`: the installed
 * command with its single-file bundle turned off (OPENVPN3_TS_BUNDLE=0), to show what the
 * bundle saves.
 */
async function cliStart(st: Stack, dist: boolean, modules = false): Promise<number> {
  const t0 = performance.now()
  const p = await startProcess({
    entry: dist ? DIST_CLI : 'packages/cli/src/openvpn3.ts',
    args: ['session-start', '--config', 'bench', '--quiet'],
    bus: st.bus,
    name: 'session-start',
    ...(modules ? { env: { ...process.env, OPENVPN3_TS_BUNDLE: '0' } } : {}),
  })
  const exit = await p.waitForExit(60_000)
  const ms = performance.now() - t0
  if (exit.code !== 0) throw new Error(`session-start failed: ${p.output()}`)
  return ms
}

function withoutExtraCa(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const e = { ...env }
  delete e['NODE_EXTRA_CA_CERTS']
  return e
}

/** Wall ms of `node -e 0` (ROUNDS runs): what any Node program pays before its first line. */
async function nodeStart(env: NodeJS.ProcessEnv): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now()
    const p = await startProcess({ entry: process.execPath, args: ['-e', '0'], env })
    await p.waitForExit(10_000)
    out.push(performance.now() - t0)
  }
  return out
}

/** Pause after a disconnect so the backend starter's warm spare client is ready again. */
const SETTLE_MS = Number(process.env['SETTLE_MS'] ?? 2000)

async function disconnectAll(conn: DBusConnection): Promise<void> {
  const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
  for (const p of await mgr.FetchAvailableSessions()) {
    const pid = await proxy(conn, BusName.sessions, p, sessionObjectInterface).$get('backend_pid')
    await proxy(conn, BusName.sessions, p, sessionObjectInterface).Disconnect()
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
      { timeoutMs: 10_000 }
    )
  }
  await new Promise((r) => setTimeout(r, SETTLE_MS))
}

/** Phases of the last busStart: NewTunnel reply, Ready+Connect replies, CONN_CONNECTED. */
const phases: { newTunnel: number; readyConnect: number; toConnected: number }[] = []

/** NewTunnel → Ready → Connect → CONN_CONNECTED at the bus; returns ms. */
async function busStart(conn: DBusConnection, config: string): Promise<number> {
  const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
  const t0 = performance.now()
  const path = await mgr.NewTunnel(config)
  const t1 = performance.now()
  const s = proxy(conn, BusName.sessions, path, sessionObjectInterface)
  await s.Ready()
  await s.Connect()
  const t2 = performance.now()
  await pollUntil(
    'connected',
    async () => {
      const [major, minor] = await s.$get('status')
      return (major === StatusMajor.CONNECTION && minor === StatusMinor.CONN_CONNECTED) || undefined
    },
    { timeoutMs: 20_000, intervalMs: 5 }
  )
  const t3 = performance.now()
  phases.push({ newTunnel: r0(t1 - t0), readyConnect: r0(t2 - t1), toConnected: r0(t3 - t2) })
  return t3 - t0
}

async function main(): Promise<void> {
  // The services and the backend clients run compiled, as installed services do: under tsx
  // the TCP upload through the tunnel measured about half (294 vs 529 Mbit/s,
  // backend-throughput.mjs), and each service's memory includes the tsx loader.
  const st = await startStack({ servers: [{ kind: 'cert' }], runner: 'dist', clientRunner: 'dist' })
  const conn = await DBusConnection.connect({ address: st.bus.address, callTimeoutMs: 20_000 })
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    rounds: ROUNDS,
    iperfSeconds: SECONDS,
  }
  try {
    const server = st.lab.servers[0]
    if (!server) throw new Error('no server')
    const file = join(st.dir, 'bench.ovpn')
    await writeFile(file, server.profile)
    const cfgmgr = proxy(
      conn,
      BusName.configuration,
      ObjectPath.configuration,
      configurationManagerInterface
    )
    const config = await cfgmgr.Import('bench', server.profile, false, true)

    if (!existsSync(DIST_CLI)) throw new Error(`${DIST_CLI} missing: run npm run build first`)
    // cold: the first session after the services started (the installed command)
    const cold = await cliStart(st, true)
    await disconnectAll(conn)
    const warmDist: number[] = []
    const warmDistModules: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      warmDist.push(await cliStart(st, true))
      await disconnectAll(conn)
      warmDistModules.push(await cliStart(st, true, true))
      await disconnectAll(conn)
    }
    // the CLI from its TypeScript sources (tsx), as the tests run it: for comparison only
    const warmTsx: number[] = []
    for (let i = 0; i < Math.min(ROUNDS, 3); i++) {
      warmTsx.push(await cliStart(st, false))
      await disconnectAll(conn)
    }
    // Node's own start-up on this machine, with the environment as it is and without
    // NODE_EXTRA_CA_CERTS (which Node reads at every start; the CLI launcher drops it)
    const nodeBare = await nodeStart(process.env)
    const nodeBareNoCa = await nodeStart(withoutExtraCa(process.env))
    const bus: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      bus.push(await busStart(conn, config))
      await disconnectAll(conn)
    }
    const stock: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const t0 = performance.now()
      const p = await startStockClient(st.lab, server, {
        waitFor: /Initialization Sequence Completed/,
      })
      stock.push(performance.now() - t0)
      await p.stop()
      await new Promise((r) => setTimeout(r, 300))
    }
    results['start_ms'] = {
      ours_cli_dist_cold: r0(cold),
      ours_cli_dist_warm_median: r0(median(warmDist)),
      ours_cli_dist_warm: warmDist.map(r0),
      ours_cli_dist_modules_warm_median: r0(median(warmDistModules)),
      ours_cli_dist_modules_warm: warmDistModules.map(r0),
      ours_cli_tsx_warm_median: r0(median(warmTsx)),
      cli_overhead_ms: r0(median(warmDist) - median(bus)),
      node_bare_start_median: r0(median(nodeBare)),
      node_bare_start_without_extra_ca_median: r0(median(nodeBareNoCa)),
      node_extra_ca_certs_set: process.env['NODE_EXTRA_CA_CERTS'] !== undefined,
      ours_bus_warm_median: r0(median(bus)),
      ours_bus_warm: bus.map(r0),
      ours_bus_phases: phases.slice(0, ROUNDS),
      stock_openvpn_median: r0(median(stock)),
      stock_openvpn: stock.map(r0),
    }
    process.stdout.write(JSON.stringify(results['start_ms'], null, 1) + '\n')

    // throughput and memory
    const iperf3 = await st.lab.startIperfServer()
    try {
      await busStart(conn, config)
      const mgr = proxy(conn, BusName.sessions, ObjectPath.sessions, sessionManagerInterface)
      const [path] = await mgr.FetchAvailableSessions()
      const backendPid = await proxy(
        conn,
        BusName.sessions,
        path ?? '/',
        sessionObjectInterface
      ).$get('backend_pid')
      const oursUp = await iperf(st, server.tunnelServerIp, false)
      const oursDown = await iperf(st, server.tunnelServerIp, true)
      const services = st.servicePids()
      const rss: Record<string, number> = { backend: hwmKb(backendPid) }
      for (const [name, pid] of Object.entries(services)) rss[name] = hwmKb(pid)
      const stackKb = Object.values(rss).reduce((a, b) => a + b, 0)
      await disconnectAll(conn)

      const stockProc = await startStockClient(st.lab, server, {
        waitFor: /Initialization Sequence Completed/,
      })
      const stockUp = await iperf(st, server.tunnelServerIp, false)
      const stockDown = await iperf(st, server.tunnelServerIp, true)
      const stockKb = hwmKb(stockProc.pid)
      await stockProc.stop()
      results['iperf3_tcp_mbit_s'] = {
        ours_client_to_server: oursUp,
        ours_server_to_client: oursDown,
        stock_client_to_server: stockUp,
        stock_server_to_client: stockDown,
      }
      results['peak_rss_kb'] = { ...rss, ours_stack_total: stackKb, stock_openvpn: stockKb }
      process.stdout.write(
        JSON.stringify(
          { iperf3_tcp_mbit_s: results['iperf3_tcp_mbit_s'], peak_rss_kb: results['peak_rss_kb'] },
          null,
          1
        ) + '\n'
      )
    } finally {
      await iperf3.stop()
    }
    await writeFile(
      join(REPO_ROOT, 'bench/session-results.json'),
      JSON.stringify(results, null, 2) + '\n'
    )
  } finally {
    await conn.close().catch(() => undefined)
    await st.close()
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`)
    process.exit(1)
  }
)
