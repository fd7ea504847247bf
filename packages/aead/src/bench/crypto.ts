/**
 * @module bench/crypto
 * In-process data-channel crypto benchmark (not a test): packets/s of seal and open per AEAD
 * cipher, native addon vs the node:crypto implementation of @openvpn3-ts/protocol, plus the
 * native batch seal and the cost of an empty-payload call (the JS↔C++ crossing). Rates are per
 * CPU-second of this process (process.cpuUsage), so other load on the machine skews them less.
 * Run: node --conditions=source --import tsx packages/aead/src/bench/crypto.ts [size] [runs]
 */
import { type DataCrypto, type DataCryptoFactory, createDataCrypto } from '@openvpn3-ts/protocol'
import { createNativeDataCrypto } from '../native-data-crypto.js'
import { loadAeadAddon } from '../native.js'

const CIPHERS = ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'] as const
const HEADER = Buffer.from([0x48, 0, 0, 1])
const N = 50_000

/** CPU time of this process (user + system) in ms: steadier than wall time on a shared machine. */
function cpuMs(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1000
}

function pps(n: number, ms: number): number {
  return Math.round(n / (ms / 1000))
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)] ?? 0
}

// Sealed packets live in a ring (as in the engine, where they are short-lived), not all N at once.
const RING = 1024

function run(
  make: DataCryptoFactory,
  cipher: string,
  size: number
): { seal: number; open: number } {
  const key = Buffer.alloc(256, 7)
  const c: DataCrypto = make({ cipher, keyBlock: key })
  const s: DataCrypto = make({ cipher, keyBlock: key, role: 'server' })
  const payload = Buffer.alloc(size, 1)
  const ring: Buffer[] = []
  for (let i = 0; i < RING; i++) ring.push(c.seal(HEADER, i + 1, payload))
  let t = cpuMs()
  for (let i = 0; i < N; i++) ring[i % RING] = c.seal(HEADER, i + 1, payload)
  const sealMs = cpuMs() - t
  t = cpuMs()
  for (let i = 0; i < N; i++) s.open(ring[i % RING] as Buffer, 4)
  const openMs = cpuMs() - t
  return { seal: pps(N, sealMs), open: pps(N, openMs) }
}

function batch(cipher: number, size: number, per: number): number {
  const addon = loadAeadAddon()
  const ctx = new addon.Context(cipher, Buffer.alloc(32, 7), Buffer.alloc(8, 1), true)
  const payloads = Array.from({ length: per }, () => Buffer.alloc(size, 1))
  const t = cpuMs()
  for (let i = 0; i < N; i += per) {
    const outs = payloads.map((p) => Buffer.allocUnsafe(4 + 20 + p.length))
    ctx.sealBatch(outs, HEADER, i, payloads)
  }
  const ms = cpuMs() - t
  ctx.destroy()
  return pps(N, ms)
}

function main(): void {
  const size = Number(process.argv[2] ?? 1400)
  const runs = Number(process.argv[3] ?? 5)
  console.log(
    `in-process data-channel crypto, ${size}-byte payloads, packets per CPU-second (median of ${runs})`
  )
  console.log('  cipher              node:crypto seal/open     native seal/open')
  for (const cipher of CIPHERS) {
    const node = { seal: [] as number[], open: [] as number[] }
    const nat = { seal: [] as number[], open: [] as number[] }
    run(createDataCrypto, cipher, size)
    run(createNativeDataCrypto, cipher, size)
    for (let r = 0; r < runs; r++) {
      const a = run(createDataCrypto, cipher, size)
      const b = run(createNativeDataCrypto, cipher, size)
      node.seal.push(a.seal)
      node.open.push(a.open)
      nat.seal.push(b.seal)
      nat.open.push(b.open)
    }
    console.log(
      `  ${cipher.padEnd(18)}  ${String(median(node.seal)).padStart(8)} / ${String(median(node.open)).padEnd(8)}  ${String(median(nat.seal)).padStart(8)} / ${median(nat.open)}`
    )
  }
  const single: number[] = []
  const batched: number[] = []
  const empty: number[] = []
  for (let r = 0; r < runs; r++) {
    single.push(batch(2, size, 1))
    batched.push(batch(2, size, 16))
    empty.push(batch(2, 0, 1))
  }
  console.log(
    `  AES-256-GCM raw context seal: 1/call ${median(single)}, 16/call ${median(batched)}; empty payload 1/call ${median(empty)} (crossing + EVP re-init)`
  )
}

main()
