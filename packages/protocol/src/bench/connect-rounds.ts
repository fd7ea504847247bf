/**
 * @module bench/connect-rounds
 * Bench helper run inside the client namespace: connects N times in one process with the engine
 * options in argv[2] (JSON file) and prints the connect times (createClient → connected) as JSON.
 * The first round includes module loading and JIT warm-up ("cold"), later rounds are "warm".
 */
import { readFileSync } from 'node:fs'
import { MemoryTun } from '../link/memory-tun.js'
import type { EngineOptions } from '../options.js'
import { createClient } from '../session/client.js'

async function main(): Promise<void> {
  const options = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as EngineOptions
  const rounds = Number(process.argv[3] ?? 5)
  const times: number[] = []
  for (let i = 0; i < rounds; i++) {
    const t0 = performance.now()
    const client = createClient(options, { tun: new MemoryTun() })
    const ok = await new Promise<boolean>((resolve) => {
      client.on((e) => {
        if (e.type === 'connected') resolve(true)
        if (e.type === 'disconnected') resolve(false)
      })
      void client.start()
    })
    if (ok) times.push(Math.round((performance.now() - t0) * 10) / 10)
    await client.stop()
  }
  process.stdout.write(`${JSON.stringify(times)}\n`)
}

await main()
