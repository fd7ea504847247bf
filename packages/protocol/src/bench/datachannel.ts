/**
 * @module bench/datachannel
 * Data-channel benchmark (not a test):
 *  1. in-process: seal+open of 1400-byte payloads per cipher (pure engine crypto cost);
 *  2. lab: ICMP echo flood (1400-byte packets, 64 in flight) through the engine, a stock 2.6
 *     server and back, per cipher, in replies/second (each reply = 2 data packets per side).
 * Run: node --conditions=source --import tsx bench/protocol-datachannel.mjs
 */
import { createDataCrypto } from '../crypto/data-crypto.js'
import { Lab, SERVER_ADDR } from '../interop/lab.js'

const CIPHERS = ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'] as const

function inProcess(cipher: string, n: number): { sealPps: number; openPps: number } {
  const key = Buffer.alloc(256, 7)
  const c = createDataCrypto({ cipher, keyBlock: key })
  const s = createDataCrypto({ cipher, keyBlock: key, role: 'server' })
  const header = Buffer.from([0x48, 0, 0, 1])
  const payload = Buffer.alloc(1400, 1)
  const sealed: Buffer[] = []
  let t = performance.now()
  for (let i = 1; i <= n; i++) sealed.push(c.seal(header, i, payload))
  const sealMs = performance.now() - t
  t = performance.now()
  for (const p of sealed) s.open(p, 4)
  const openMs = performance.now() - t
  return { sealPps: Math.round(n / (sealMs / 1000)), openPps: Math.round(n / (openMs / 1000)) }
}

async function main(): Promise<void> {
  console.log('in-process data-channel crypto, 1400-byte payloads (packets/s)')
  for (const cipher of CIPHERS) {
    inProcess(cipher, 20_000)
    const r = inProcess(cipher, 100_000)
    console.log(`  ${cipher.padEnd(18)} seal ${r.sealPps}  open ${r.openPps}`)
  }
  const lab = Lab.start()
  try {
    console.log(
      'lab ICMP echo flood through a stock 2.6 server (replies/s, 1400-byte packets, 64 in flight)'
    )
    for (const cipher of CIPHERS) {
      const s = await lab.startServer({ kind: 'tls-crypt', extra: [`data-ciphers ${cipher}`] })
      const r = await lab.runProbe(
        {
          options: {
            remotes: [{ host: SERVER_ADDR, port: s.port, proto: 'udp' }],
            ca: lab.pki.ca,
            cert: lab.pki.clientCert,
            key: lab.pki.clientKey,
            tlsWrap: { mode: 'tls-crypt', key: lab.pki.tlsCryptKey },
          },
          target: s.tunnelServerIp,
          pings: 0,
          pingIntervalMs: 0,
          floodMs: 5000,
          timeoutMs: 30_000,
        },
        40_000
      )
      console.log(
        `  ${cipher.padEnd(18)} ${r.floodPps ?? 'failed'} replies/s (${r.cipher ?? r.error?.message})`
      )
      await s.stop()
    }
  } finally {
    await lab.close()
  }
}

await main()
