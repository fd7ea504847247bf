/**
 * @module bench/connect
 * Connect-time benchmark (not a test): the engine (probe inside the client namespace, from
 * createClient() to the `connected` event) against the stock `openvpn` 2.6 client (from its
 * link start to PUSH_REPLY received, and to "Initialization Sequence Completed"), same lab
 * server, same run. Run: node --conditions=source --import tsx bench/protocol-connect.mjs
 */
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Lab, SERVER_ADDR } from '../interop/lab.js'

const ROUNDS = Number(process.env.ROUNDS ?? 5)

function stamp(line: string): number | undefined {
  const m = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) us=(\d+)/.exec(line)
  if (!m?.[1] || !m[2]) return undefined
  return Date.parse(m[1].replace(' ', 'T')) + Number(m[2]) / 1000
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? NaN
}

async function stockClient(
  lab: Lab,
  port: number,
  round: number
): Promise<{ push: number; init: number; wall: number }> {
  const d = lab.pki.dir
  const log = join(d, `stock${round}.log`)
  const conf = join(d, `stock${round}.conf`)
  writeFileSync(
    conf,
    [
      'client',
      `dev st${lab.suffix}${round}`,
      'dev-type tun',
      'proto udp4',
      `remote ${SERVER_ADDR} ${port}`,
      'nobind',
      `ca ${join(d, 'ca.crt')}`,
      `cert ${join(d, 'client.crt')}`,
      `key ${join(d, 'client.key')}`,
      `tls-crypt ${join(d, 'tc.key')}`,
      'remote-cert-tls server',
      'verb 4',
      `log ${log}`,
      'route-noexec',
    ].join('\n') + '\n'
  )
  const t0 = Date.now()
  const child = spawn('ip', ['netns', 'exec', lab.clientNs, 'openvpn', '--config', conf], {
    stdio: 'ignore',
  })
  const deadline = Date.now() + 20_000
  let text = ''
  while (!/Initialization Sequence Completed/.test(text)) {
    if (Date.now() > deadline) break
    await new Promise((r) => setTimeout(r, 5))
    text = existsSync(log) ? readFileSync(log, 'utf8') : ''
  }
  const wall = Date.now() - t0
  child.kill('SIGTERM')
  await new Promise((r) => child.once('exit', r))
  const lines = text.split('\n')
  const t = (re: RegExp): number => stamp(lines.find((l) => re.test(l)) ?? '') ?? NaN
  const start = t(/UDPv4 link remote/)
  return {
    push: t(/PUSH: Received control message/) - start,
    init: t(/Initialization Sequence Completed/) - start,
    wall,
  }
}

async function main(): Promise<void> {
  const lab = Lab.start()
  try {
    const s = await lab.startServer({ kind: 'tls-crypt' })
    const options = {
      remotes: [{ host: SERVER_ADDR, port: s.port, proto: 'udp' as const }],
      ca: lab.pki.ca,
      cert: lab.pki.clientCert,
      key: lab.pki.clientKey,
      tlsWrap: { mode: 'tls-crypt' as const, key: lab.pki.tlsCryptKey },
      remoteCertTls: 'server' as const,
    }
    const optFile = join(lab.pki.dir, 'bench-options.json')
    writeFileSync(optFile, JSON.stringify(options))
    const helper = new URL('./connect-rounds.ts', import.meta.url).pathname
    const cold: number[] = []
    const warm: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const out = execFileSync(
        'ip',
        [
          'netns',
          'exec',
          lab.clientNs,
          process.execPath,
          '--conditions=source',
          '--import',
          'tsx',
          helper,
          optFile,
          '4',
        ],
        { encoding: 'utf8' }
      )
      const times = JSON.parse(out.trim().split('\n').pop() ?? '[]') as number[]
      if (times[0] !== undefined) cold.push(times[0])
      warm.push(...times.slice(1))
    }
    const stockPush: number[] = []
    const stockInit: number[] = []
    const stockWall: number[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const st = await stockClient(lab, s.port, i)
      stockPush.push(st.push)
      stockInit.push(st.init)
      stockWall.push(st.wall)
    }
    const fmt = (xs: number[]): string =>
      `median ${median(xs).toFixed(1)} ms  [${xs.map((x) => x.toFixed(0)).join(', ')}]`
    console.log(`connect time, UDP + tls-crypt + AES-256-GCM, ${ROUNDS} rounds`)
    console.log(`  openvpn3-ts engine, cold process (createClient → connected): ${fmt(cold)}`)
    console.log(`  openvpn3-ts engine, warm (createClient → connected):         ${fmt(warm)}`)
    console.log(`  openvpn 2.6 client (link start → PUSH_REPLY):       ${fmt(stockPush)}`)
    console.log(`  openvpn 2.6 client (link start → Init Completed):   ${fmt(stockInit)}`)
    console.log(`  openvpn 2.6 client (process spawn → Init Completed): ${fmt(stockWall)}`)
  } finally {
    await lab.close()
  }
}

await main()
