/**
 * Benchmark: authorisations per second and decision latency (p50/p99) of the management-mode
 * daemon against the same check run as a forked `auth-user-pass-verify` script, in one run.
 *
 * Part A (decision path only, no TLS): the daemon attached to a scripted management interface
 * that emits CONNECT blocks like OpenVPN 2.6, versus the hook executable (compiled JS) forked
 * per login as OpenVPN does (`--sync`: exit code; deferred: exit 2, result via
 * auth_control_file). Part B (end to end, root only): a real OpenVPN 2.6 server in the
 * namespace lab, K real clients connecting at once, management daemon versus script hooks.
 * The check: source CIDR allow list + Argon2id password + MAC binding (UV_CLIENT_MAC).
 * Env: N (management decisions, default 2000), NS (script runs, default 40), K (real clients,
 * default 8), COST (Argon2id cost: min|interactive, default min).
 */
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig } from '../config.js'
import { AccessDaemon } from '../daemon.js'
import { silentLogger } from '../logger.js'
import { hashPassword, type HashCost } from '../password.js'
import { openSqliteStore } from '../store/sqlite.js'
import { FakeManagementServer, connectBlock } from '../testing/fake-server.js'

const REPO = new URL('../../../../', import.meta.url).pathname
const N = Number(process.env.N ?? 2000)
const NS = Number(process.env.NS ?? 40)
const K = Number(process.env.K ?? 8)
const COST = (process.env.COST ?? 'min') as HashCost

interface Row {
  mode: string
  n: number
  authPerS: number
  p50: number
  p99: number
  note: string
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN
}
const round = (x: number) => Math.round(x * 100) / 100

function envFor(i: number): Record<string, string> {
  const e: Record<string, string> = {
    n_clients: '0',
    password: 'bench-pw',
    untrusted_port: String(40000 + (i % 20000)),
    untrusted_ip: '192.0.2.2',
    common_name: 'client.lab',
    username: 'bench',
    IV_VER: '2.6.14',
    IV_PLAT: 'linux',
    IV_PROTO: '990',
    IV_MTU: '1600',
    IV_TCPNL: '1',
    IV_SSL: 'OpenSSL_3.0.19',
    IV_CIPHERS: 'AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305',
    UV_CLIENT_MAC: '00:11:22:33:44:55',
    tls_serial_0: '1234567',
    X509_0_CN: 'client.lab',
    daemon_pid: '4242',
    daemon_start_time: '1795393454',
    proto_1: 'udp',
    dev: 'tun0',
  }
  return e
}

async function setup(dir: string) {
  const dbPath = join(dir, 'bench.db')
  const store = openSqliteStore(dbPath)
  await store.init()
  await store.addUser({
    username: 'bench',
    passwordHash: await hashPassword('bench-pw', COST),
    macs: ['00:11:22:33:44:55'],
  })
  await store.close()
  const policy = {
    serverId: 'bench',
    store: { type: 'sqlite', path: dbPath },
    source: { allow: ['192.0.2.0/24'] },
    mac: { variable: 'UV_CLIENT_MAC' },
    logLevel: 'error',
  }
  return { dbPath, policy }
}

async function managementRows(
  dir: string,
  policy: Record<string, unknown>,
  dbPath: string,
  label: string
): Promise<Row[]> {
  const sock = join(dir, `fake-${label.length}.sock`)
  const server = new FakeManagementServer({ path: sock })
  await server.listen()
  const store = openSqliteStore(dbPath)
  await store.init()
  const config = parseConfig(
    { ...policy, management: { socket: sock, bytecountIntervalS: 0 } },
    'daemon'
  )
  const daemon = new AccessDaemon({ config, store, logger: silentLogger })
  daemon.start()
  await server.waitCommand(/^status 3$/)
  await new Promise((r) => setTimeout(r, 100))
  const answered = new Map<number, () => void>()
  server.on('command', (c) => {
    const m = /^client-auth-nt (\d+) 1$/.exec(c)
    if (m) answered.get(Number(m[1]))?.()
  })
  const decide = (cid: number) =>
    new Promise<number>((resolve) => {
      const t0 = performance.now()
      answered.set(cid, () => resolve(performance.now() - t0))
      server.send(connectBlock(cid, 1, envFor(cid)))
    })
  const progress = (m: string) => process.stderr.write(`bench: ${m}\n`)
  progress('management: warm-up')
  // Warm-up, then one at a time (latency without queueing), then a burst (throughput).
  for (let i = 0; i < 50; i++) await decide(i)
  const seqN = Math.min(N, 500)
  const seq: number[] = []
  const s0 = performance.now()
  for (let i = 0; i < seqN; i++) seq.push(await decide(1000 + i))
  const seqS = (performance.now() - s0) / 1000
  progress(`management: ${seqN} sequential done, burst of ${N}`)
  const b0 = performance.now()
  const burst = await Promise.all(Array.from({ length: N }, (_, i) => decide(100_000 + i)))
  const burstS = (performance.now() - b0) / 1000
  const inner = daemon.latencies()
  await daemon.stop()
  await server.close()
  await store.close()
  return [
    {
      mode: `management, one at a time${label}`,
      n: seqN,
      authPerS: round(seqN / seqS),
      p50: round(pct(seq, 50)),
      p99: round(pct(seq, 99)),
      note: 'CONNECT written → client-auth-nt read',
    },
    {
      mode: `management, burst${label}`,
      n: N,
      authPerS: round(N / burstS),
      p50: round(pct(burst, 50)),
      p99: round(pct(burst, 99)),
      note: `${N} CONNECTs at once; daemon-side p50/p99 ${round(pct(inner, 50))}/${round(pct(inner, 99))} ms`,
    },
  ]
}

function scriptRows(
  dir: string,
  policy: Record<string, unknown>,
  label: string,
  ns: number
): Row[] {
  const cfg = join(dir, `hook-${label.length}.json`)
  writeFileSync(cfg, JSON.stringify(policy))
  const hook = join(REPO, 'packages/access-hooks/dist/hook-main.js')
  const run = (i: number, deferred: boolean): { blocked: number; decided: number } => {
    const up = join(dir, `up-${label.length}-${i}`)
    writeFileSync(up, 'bench\nbench-pw\n')
    const ctl = join(dir, `ctl-${label.length}-${i}`)
    const env = {
      PATH: process.env.PATH ?? '',
      script_type: 'user-pass-verify',
      ...envFor(i),
      ...(deferred ? { auth_control_file: ctl } : {}),
    }
    delete (env as Record<string, string | undefined>).password
    const t0 = performance.now()
    // Like OpenVPN (fork, exec, waitpid): no pipes, so a detached worker does not hold us.
    const r = spawnSync(
      process.execPath,
      [hook, '--config', cfg, ...(deferred ? [] : ['--sync']), up],
      {
        env,
        stdio: deferred ? 'ignore' : ['ignore', 'ignore', 'pipe'],
        encoding: 'utf8',
      }
    )
    const blocked = performance.now() - t0
    if (!deferred) {
      if (r.status !== 0) throw new Error(`hook rejected: ${r.stderr}`)
      return { blocked, decided: blocked }
    }
    if (r.status !== 2) throw new Error(`hook did not defer: ${r.status} ${r.stderr}`)
    // OpenVPN polls the control file; poll tightly here to measure the decision itself.
    for (;;) {
      if (existsSync(ctl) && readFileSync(ctl, 'utf8') === '1')
        return { blocked, decided: performance.now() - t0 }
      spawnSync('sleep', ['0.005'])
      if (performance.now() - t0 > 30_000) throw new Error('deferred decision timed out')
    }
  }
  process.stderr.write('bench: forked script\n')
  run(0, false)
  const sync = Array.from({ length: ns }, (_, i) => run(1 + i, false).blocked)
  const def = Array.from({ length: ns }, (_, i) => run(1000 + i, true))
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
  return [
    {
      mode: `forked script (--sync)${label}`,
      n: ns,
      authPerS: round(1000 / mean(sync)),
      p50: round(pct(sync, 50)),
      p99: round(pct(sync, 99)),
      note: 'fork+exec+wait; server blocked the whole time',
    },
    {
      mode: `forked script (deferred)${label}`,
      n: ns,
      authPerS: round(1000 / mean(def.map((d) => d.blocked))),
      p50: round(
        pct(
          def.map((d) => d.decided),
          50
        )
      ),
      p99: round(
        pct(
          def.map((d) => d.decided),
          99
        )
      ),
      note: `server blocked p50 ${round(
        pct(
          def.map((d) => d.blocked),
          50
        )
      )} ms per login; latency = until auth_control_file`,
    },
  ]
}

async function endToEndRows(policy: Record<string, unknown>, dbPath: string): Promise<Row[]> {
  if (process.getuid?.() !== 0) return []
  const { startAccessLab, startClient } = await import('../testing/lab-harness.js')
  const hook = join(REPO, 'packages/access-hooks/dist/hook-main.js')
  const al = await startAccessLab({
    scriptServerLines: (dir) => {
      const cfg = join(dir, 'hook.json')
      writeFileSync(cfg, JSON.stringify({ ...policy, store: { type: 'sqlite', path: dbPath } }))
      const w = join(dir, 'hook.sh')
      writeFileSync(w, `#!/bin/sh\nexec ${process.execPath} ${hook} --config ${cfg} "$@"\n`)
      chmodSync(w, 0o755)
      return ['script-security 2', `auth-user-pass-verify ${w} via-file`]
    },
  })
  const rows: Row[] = []
  process.stderr.write('bench: end to end with real OpenVPN\n')
  try {
    const store = openSqliteStore(dbPath)
    await store.init()
    const config = parseConfig({ ...policy, management: { socket: al.sock } }, 'daemon')
    const daemon = new AccessDaemon({ config, store, logger: silentLogger })
    daemon.start()
    while (!daemon.ready) await new Promise((r) => setTimeout(r, 50))
    const extra = ['push-peer-info', 'setenv UV_CLIENT_MAC 00:11:22:33:44:55']
    for (const [mode, server] of [
      ['real OpenVPN + management daemon', al.mgmtServer],
      ['real OpenVPN + forked script (deferred)', al.scriptServer],
    ] as const) {
      if (!server) continue
      const t0 = performance.now()
      const cs = Array.from({ length: K }, () =>
        startClient(al, { server, username: 'bench', password: 'bench-pw', extra })
      )
      const times = await Promise.all(
        cs.map(async (c) => {
          if ((await c.outcome(120_000)) !== 'connected') throw new Error(c.output().slice(-1500))
          return performance.now() - t0
        })
      )
      const wall = (performance.now() - t0) / 1000
      await Promise.all(cs.map((c) => c.stop()))
      const lat = mode.includes('management') ? daemon.latencies() : []
      rows.push({
        mode,
        n: K,
        authPerS: round(K / wall),
        p50: round(pct(times, 50)),
        p99: round(pct(times, 99)),
        note: `${K} clients at once; time to "Initialization Sequence Completed"${lat.length ? `; decision p50/p99 ${round(pct(lat, 50))}/${round(pct(lat, 99))} ms` : ''}`,
      })
      await new Promise((r) => setTimeout(r, 1000))
    }
    await daemon.stop()
    await store.close()
  } finally {
    await al.close()
  }
  return rows
}

async function main(): Promise<void> {
  const b = spawnSync('npx', ['tsc', '-b', 'packages/access-hooks'], {
    cwd: REPO,
    encoding: 'utf8',
  })
  if (b.status !== 0) throw new Error(`build failed: ${b.stdout}${b.stderr}`)
  const dir = mkdtempSync(join(tmpdir(), 'access-bench-'))
  try {
    const { dbPath, policy } = await setup(dir)
    // The same policy without Argon2id shows the cost of the mechanism itself.
    const cheap = { ...policy, password: { enabled: false }, mac: undefined }
    const rows = [
      ...(await managementRows(dir, policy, dbPath, '')),
      ...(await managementRows(dir, cheap, dbPath, ' [no Argon2]')),
      ...scriptRows(dir, policy, '', NS),
      ...scriptRows(dir, cheap, ' [no Argon2]', Math.min(NS, 15)),
    ]
    rows.push(...(await endToEndRows(policy, dbPath)))
    const head = `Argon2id cost "${COST}"; node ${process.version}; ${new Date().toISOString()}`
    process.stdout.write(`${head}\n`)
    process.stdout.write(
      `${'mode'.padEnd(42)} ${'n'.padStart(5)} ${'auth/s'.padStart(9)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}  note\n`
    )
    for (const r of rows) {
      process.stdout.write(
        `${r.mode.padEnd(42)} ${String(r.n).padStart(5)} ${String(r.authPerS).padStart(9)} ${String(r.p50).padStart(9)} ${String(r.p99).padStart(9)}  ${r.note}\n`
      )
    }
    mkdirSync(join(REPO, 'bench/results'), { recursive: true })
    writeFileSync(
      join(REPO, `bench/results/access-auth-${COST}.json`),
      JSON.stringify({ head, rows }, null, 2)
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

main().catch((e: Error) => {
  process.stderr.write(`access bench failed: ${e.stack ?? e.message}\n`)
  process.exitCode = 1
})
