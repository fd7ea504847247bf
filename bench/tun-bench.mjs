#!/usr/bin/env node
// TUN throughput through the netcfg addon (packages/netcfg/native), in a throw-away network
// namespace (198.18.0.1/24 on the TUN, nothing routed out). Method as in the shared guide
// libraries.md 2.3:
//   read:  a C sender (bench/tun-udp.c, sendmmsg) in the namespace sends UDP to 198.18.0.2,
//          which the kernel routes into the TUN; the addon's Poller reads it in batches.
//   write: Node writes ready-made IPv4/UDP packets (198.18.0.2 -> 198.18.0.1) with
//          writePackets(); a C sink in the namespace counts what arrives.
// Usage: node bench/tun-bench.mjs [--packets N] [--size BYTES] [--runs R] [--json FILE]
// Needs root. Prints a table; --json also writes the raw results.
import { execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    packets: { type: 'string', default: '200000' },
    size: { type: 'string', default: '1400' },
    runs: { type: 'string', default: '2' },
    json: { type: 'string' },
  },
})
const N = Number(opts.packets)
const PAYLOAD = Number(opts.size)
const RUNS = Number(opts.runs)
const root = new URL('..', import.meta.url).pathname
const tun = createRequire(import.meta.url)(
  join(root, 'packages/netcfg/native/build/Release/tun.node')
)

const suffix = randomBytes(2).toString('hex')
const ns = `nsbench${suffix}`
const dev = `tb${suffix}`
const work = mkdtempSync(join(tmpdir(), 'tun-bench-'))
const udpBin = join(work, 'tun-udp')
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const ip = (...args) => execFileSync('ip', args, { encoding: 'utf8' })

function ipv4Udp(payloadLen) {
  const total = 28 + payloadLen
  const b = Buffer.alloc(total)
  b[0] = 0x45
  b.writeUInt16BE(total, 2)
  b[8] = 64
  b[9] = 17
  Buffer.from([198, 18, 0, 2]).copy(b, 12)
  Buffer.from([198, 18, 0, 1]).copy(b, 16)
  let sum = 0
  for (let i = 0; i < 20; i += 2) sum += b.readUInt16BE(i)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  b.writeUInt16BE(~sum & 0xffff, 10)
  b.writeUInt16BE(40000, 20)
  b.writeUInt16BE(9200, 22)
  b.writeUInt16BE(8 + payloadLen, 24)
  return b
}

function runInNs(args) {
  const child = spawn('ip', ['netns', 'exec', ns, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  let out = ''
  child.stdout.on('data', (d) => (out += d))
  const exited = new Promise((r) => child.on('exit', () => r(out)))
  return { child, exited, output: () => out }
}

function txDropped() {
  const j = JSON.parse(ip('-n', ns, '-s', '-j', 'link', 'show', 'dev', dev))
  return j[0].stats64.tx.dropped
}

async function readRun(fd, batch) {
  let count = 0
  let callbacks = 0
  let first = 0
  let last = 0
  const dropsBefore = txDropped()
  const poller = new tun.Poller(
    fd,
    (err, pkts) => {
      if (err) throw err
      const now = process.hrtime.bigint()
      if (count === 0) first = now
      last = now
      count += pkts.length
      callbacks++
    },
    batch,
    65536
  )
  const sender = runInNs([udpBin, 'send', '198.18.0.2', '9000', String(N), String(PAYLOAD)])
  await sender.exited
  let seen = -1
  while (seen !== count) {
    seen = count
    await sleep(300)
  }
  poller.stop()
  const secs = Number(last - first) / 1e9
  return {
    batch,
    received: count,
    sent: N,
    kernelDrops: txDropped() - dropsBefore,
    pktPerSec: Math.round((count - 1) / secs),
    mbPerSec: Math.round(((count - 1) * (PAYLOAD + 28)) / secs / 1e6),
    avgBatch: +(count / callbacks).toFixed(1),
  }
}

async function writeRun(fd, batch) {
  const sink = runInNs([udpBin, 'sink', '198.18.0.1', '9200', '500'])
  while (!sink.output().includes('ready')) await sleep(20)
  const pkt = ipv4Udp(PAYLOAD)
  const chunks = []
  for (let i = 0; i < batch; i++) chunks.push(pkt)
  let written = 0
  let short = 0
  const t0 = process.hrtime.bigint()
  while (written < N) {
    const want = Math.min(batch, N - written)
    const w = tun.writePackets(fd, want === batch ? chunks : chunks.slice(0, want))
    if (w < want) short++
    written += w
    if (w === 0) await sleep(1)
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const out = await sink.exited
  const m = /received (\d+) ([\d.]+)/.exec(out)
  return {
    batch,
    written,
    delivered: m ? Number(m[1]) : 0,
    shortWrites: short,
    pktPerSec: Math.round(written / secs),
    mbPerSec: Math.round((written * (PAYLOAD + 28)) / secs / 1e6),
  }
}

const results = { packets: N, payload: PAYLOAD, read: [], write: [] }
let fd = -1
try {
  execFileSync('gcc', ['-O2', '-o', udpBin, join(root, 'bench/tun-udp.c')])
  ip('netns', 'add', ns)
  ip('-n', ns, 'link', 'set', 'lo', 'up')
  const t = tun.open(dev)
  fd = t.fd
  ip('link', 'set', dev, 'netns', ns)
  ip('-n', ns, 'addr', 'add', '198.18.0.1/24', 'dev', dev)
  ip('-n', ns, 'link', 'set', dev, 'up', 'txqueuelen', '1000')
  for (const batch of [1, 16, 64])
    for (let r = 0; r < RUNS; r++) results.read.push(await readRun(fd, batch))
  for (const batch of [1, 64])
    for (let r = 0; r < RUNS; r++) results.write.push(await writeRun(fd, batch))
} finally {
  if (fd >= 0) tun.close(fd)
  try {
    ip('netns', 'del', ns)
  } catch {
    /* already gone */
  }
  rmSync(work, { recursive: true, force: true })
}

console.log(`TUN benchmark: ${N} packets, ${PAYLOAD + 28}-byte IPv4/UDP packets`)
console.log('read  batch | pkt/s    | MB/s | avg batch | received/sent | kernel drops')
for (const r of results.read)
  console.log(
    `      ${String(r.batch).padEnd(5)} | ${String(r.pktPerSec).padEnd(8)} | ${String(r.mbPerSec).padEnd(4)} | ${String(r.avgBatch).padEnd(9)} | ${r.received}/${r.sent} | ${r.kernelDrops}`
  )
console.log('write batch | pkt/s    | MB/s | delivered/written | short writes')
for (const r of results.write)
  console.log(
    `      ${String(r.batch).padEnd(5)} | ${String(r.pktPerSec).padEnd(8)} | ${String(r.mbPerSec).padEnd(4)} | ${r.delivered}/${r.written} | ${r.shortWrites}`
  )
if (opts.json) writeFileSync(opts.json, JSON.stringify(results, null, 2))
