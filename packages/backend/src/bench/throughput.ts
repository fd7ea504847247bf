/**
 * Benchmark: packets through TUN + engine in the full backend (spec §6, §7.4): namespace lab
 * with a stock OpenVPN 2.6 server, netcfg and the backend starter in the client namespace,
 * a stand-in session manager; after CONNECTED, iperf3 TCP and UDP through the tunnel. Packet
 * rates come from the backend's `statistics` (TUN_PACKETS_IN/OUT deltas).
 * Run: node --conditions=source --import tsx bench/backend-throughput.mjs  (SECONDS=5, RUNNER=dist,
 * BASELINE=0 skips the stock client, PROFILE_DIR=/tmp/x writes a CPU profile of the backend)
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { BusName, ObjectPath, backendStarterInterface, proxy } from '@openvpn3-ts/dbus'
import {
  type Lab,
  REPO_ROOT,
  startBus,
  startLab,
  startProcess,
  startStockClient,
} from '@openvpn3-ts/testkit'
import { StandIns, newBackendToken, newSessionPath } from '../testing/standins.js'

const SECONDS = Number(process.env['SECONDS'] ?? 5)
const BASELINE = process.env['BASELINE'] !== '0'
const PROFILE_DIR = process.env['PROFILE_DIR']

/** A client launcher that writes a V8 CPU profile (NODE_OPTIONS may not carry --cpu-prof). */
async function profilingWrapper(profileDir: string): Promise<string> {
  const main = join(REPO_ROOT, 'packages', 'backend', 'dist', 'client-main.js')
  const path = join(dir, 'client-profiled.sh')
  await writeFile(
    path,
    `#!/bin/sh\nexec ${process.execPath} --cpu-prof --cpu-prof-dir=${profileDir} ${main} "$@"\n`,
    { mode: 0o755 }
  )
  return path
}

const MODES = ['tcp', 'tcp-reverse', 'udp'] as const
type Mode = (typeof MODES)[number]

/** iperf3 through the tunnel; Mbit/s that arrived. */
async function iperf(lab: Lab, target: string, port: number, mode: Mode) {
  const args = ['-c', target, '-p', String(port), '-t', String(SECONDS), '-J']
  // tcp: client → server; tcp-reverse (-R): server → client, i.e. the tunnel's receive path
  if (mode === 'tcp-reverse') args.push('-R')
  if (mode === 'udp') args.push('-u', '-b', '400M', '-l', '1200')
  const r = await lab.exec(lab.clientNs, 'iperf3', args, { timeoutMs: (SECONDS + 20) * 1000 })
  const j = JSON.parse(r.stdout) as {
    end?: {
      sum_received?: { bits_per_second?: number }
      sum?: { bits_per_second?: number; lost_percent?: number }
    }
  }
  // UDP: the sender's rate minus what the server reports lost = what came through
  const lost = j.end?.sum?.lost_percent ?? 0
  const bps =
    mode !== 'udp'
      ? (j.end?.sum_received?.bits_per_second ?? 0)
      : (j.end?.sum?.bits_per_second ?? 0) * (1 - lost / 100)
  return { mbitPerSec: Math.round(bps / 1e6), lostPercent: Math.round(lost) }
}
const RUNNER = process.env['RUNNER'] ?? 'dist'

const dir = await mkdtemp(join(tmpdir(), 'ovpn3-be-bench-'))
await writeFile(join(dir, 'resolv.conf'), '# bench\n')
const lab = await startLab({ servers: [{ kind: 'cert' }] })
const bus = await startBus()
const sm = await StandIns.start(bus.address)
const results: Record<string, unknown> = { runner: RUNNER, seconds: SECONDS }
try {
  const server = lab.servers[0]
  if (!server) throw new Error('no lab server')
  await startProcess({
    entry: 'packages/netcfg/src/main.ts',
    args: ['--idle-exit', '0', '--resolv-conf', join(dir, 'resolv.conf')],
    bus,
    netns: lab.clientNs,
    waitForName: BusName.netcfg,
  })
  await startProcess({
    entry: 'packages/backend/src/starter-main.ts',
    args: [
      '--idle-exit',
      '0',
      '--client-runner',
      RUNNER,
      '--spare-clients',
      '0',
      ...(PROFILE_DIR ? ['--client-binary', await profilingWrapper(PROFILE_DIR)] : []),
    ],
    bus,
    netns: lab.clientNs,
    waitForName: BusName.backends,
  })
  const config = sm.addProfile('bench', server.profile)
  const token = newBackendToken()
  await proxy(sm.conn, BusName.backends, ObjectPath.backends, backendStarterInterface).StartClient(
    token
  )
  const req = await sm.waitFor(
    'RegistrationRequest',
    (all) => all.find((s) => s.member === 'RegistrationRequest' && s.args[1] === token),
    20_000
  )
  const be = sm.backend(String(req.args[0]))
  await be.RegistrationConfirmation(token, newSessionPath(), config)
  const t0 = performance.now()
  await be.Connect()
  await sm.waitFor(
    'CONNECTED',
    (all) => all.find((s) => s.member === 'StatusChange' && s.args[0] === 2 && s.args[1] === 7),
    30_000
  )
  results['connectMs'] = performance.now() - t0
  const iperf3 = await lab.startIperfServer()

  const stat = async () => {
    const s = await be.$get('statistics')
    return {
      in: Number(s['TUN_PACKETS_IN'] ?? 0n),
      out: Number(s['TUN_PACKETS_OUT'] ?? 0n),
      t: performance.now(),
    }
  }
  for (const mode of MODES) {
    const before = await stat()
    const r = await iperf(lab, server.tunnelServerIp, iperf3.port, mode)
    const after = await stat()
    const secs = (after.t - before.t) / 1000
    results[mode] = {
      mbitPerSec: r.mbitPerSec,
      ...(mode === 'udp' ? { offeredMbitPerSec: 400, lostPercent: r.lostPercent } : {}),
      tunPacketsInPerSec: Math.round((after.in - before.in) / secs),
      tunPacketsOutPerSec: Math.round((after.out - before.out) / secs),
    }
    process.stdout.write(`${mode}: ${JSON.stringify(results[mode])}\n`)
  }
  await be.Disconnect()
  await sm.waitFor(
    'CONN_DONE',
    (all) => all.find((s) => s.member === 'StatusChange' && s.args[0] === 2 && s.args[1] === 16),
    15_000
  )
  if (BASELINE) {
    // the same measurement through the stock OpenVPN 2.6 client, for comparison
    const stock = await startStockClient(lab, server)
    try {
      for (const mode of MODES) {
        results[`stock-${mode}`] = await iperf(lab, server.tunnelServerIp, iperf3.port, mode)
        process.stdout.write(`stock-${mode}: ${JSON.stringify(results[`stock-${mode}`])}\n`)
      }
    } finally {
      await stock.stop()
    }
  }
} finally {
  await sm.close()
  await bus.stop()
  await lab.close()
  await rm(dir, { recursive: true, force: true })
}
results['loadavg'] = loadavg()
const out = join(REPO_ROOT, 'bench', 'results')
await mkdir(out, { recursive: true })
await writeFile(join(out, 'backend-throughput.json'), JSON.stringify(results, null, 2) + '\n')
process.stdout.write(`${JSON.stringify(results)}\n`)
