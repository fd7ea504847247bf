/**
 * @module interop/probe
 * Interop probe, run inside the client namespace by the interop tests and benchmarks:
 *   ip netns exec <clientNs> node --conditions=source --import tsx probe.ts <input.json>
 * Connects with the given engine options over a MemoryTun, sends its own ICMP echo requests
 * through the data channel to the server's tunnel address, checks the replies, disconnects
 * cleanly and prints one JSON line (ProbeResult) on stdout.
 */
import { readFileSync } from 'node:fs'
import { defaultLinkFactory } from '../link/default-link.js'
import { MemoryTun } from '../link/memory-tun.js'
import { type LossStats, lossyControlLinks } from './lossy-link.js'
import { createClient } from '../session/client.js'
import type { ProbeInput, ProbeResult } from './lab.js'
import { buildEchoRequest, parseEchoReply } from './icmp.js'

async function main(): Promise<void> {
  const input = JSON.parse(readFileSync(process.argv[2] ?? '', 'utf8')) as ProbeInput
  const tun = new MemoryTun()
  const result = emptyResult()
  const loss: LossStats = { droppedOut: 0, droppedIn: 0 }
  const client = createClient(input.options, {
    tun,
    ...(input.controlDropEvery
      ? { link: lossyControlLinks(defaultLinkFactory, input.controlDropEvery, loss) }
      : {}),
  })
  const t0 = performance.now()
  let resolveConnected: (() => void) | undefined
  let finished = false
  let connectedCount = 0
  const connected = new Promise<void>((r) => (resolveConnected = r))
  client.on((e) => {
    switch (e.type) {
      case 'status':
        result.statuses.push(e.status)
        break
      case 'log':
        result.log.push(`${e.level}: ${e.message}`)
        break
      case 'needs-input':
        result.needsInput.push(e.request.kind)
        if (input.input) client.provideInput(input.input)
        break
      case 'connected':
        result.connected = true
        connectedCount += 1
        result.connectMs = Math.round((performance.now() - t0) * 10) / 10
        result.cipher = e.cipher
        result.keyDerivation = e.keyDerivation
        if (e.peerId !== undefined) result.peerId = e.peerId
        result.config = e.config
        if (e.config.ifconfig) result.localIp = e.config.ifconfig.local
        resolveConnected?.()
        break
      case 'disconnected':
        if (e.error) result.error = describeError(e.error)
        finished = true
        resolveConnected?.()
        break
    }
  })
  const deadline = Date.now() + input.timeoutMs
  const budget = setTimeout(() => {
    result.error ??= {
      name: 'ProbeTimeout',
      code: 'PROBE_TIMEOUT',
      message: 'probe time budget exhausted',
    }
    void client.stop().finally(() => finish(result))
  }, input.timeoutMs)
  await client.start()
  await connected
  if (result.connected && result.localIp) {
    const src = result.localIp
    const id = process.pid & 0xffff
    if (input.floodMs) {
      result.floodPps = await flood(tun, src, input.target, id, input.floodMs)
    } else {
      const payload = Buffer.alloc(56, 0x61)
      const pingRun = async (count: number, firstSeq: number): Promise<number> => {
        let got = 0
        for (let i = 0; i < count && Date.now() < deadline && !finished; i++) {
          const seq = (firstSeq + i) & 0xffff
          tun.inject(buildEchoRequest(src, input.target, id, seq, payload))
          result.sent += 1
          const until = Date.now() + Math.max(input.pingIntervalMs, 1000)
          for (;;) {
            const left = until - Date.now()
            if (left <= 0) break
            const pkt = await tun.next(left)
            if (!pkt) break
            const r = parseEchoReply(pkt)
            if (r?.id === id && r.seq === seq && r.src === input.target && r.data.equals(payload)) {
              got += 1
              break
            }
          }
          if (i < count - 1) await new Promise((r) => setTimeout(r, input.pingIntervalMs))
        }
        return got
      }
      result.received += await pingRun(input.pings, 1)
      if (input.pauseResume && !finished) {
        await client.pause('probe pause')
        await new Promise((r) => setTimeout(r, 500))
        const before = connectedCount
        await client.resume()
        while (connectedCount === before && Date.now() < deadline && !finished) {
          await new Promise((r) => setTimeout(r, 50))
        }
        result.resumed = connectedCount > before
        if (result.resumed) {
          result.receivedAfterResume = await pingRun(3, 1000)
          result.received += result.receivedAfterResume
        }
      }
      result.lost = result.sent - result.received
    }
  }
  clearTimeout(budget)
  result.stats = client.stats()
  result.renegotiations = result.stats.renegotiations
  if (input.controlDropEvery) result.controlDropped = loss.droppedIn + loss.droppedOut
  await client.stop()
  const err = await client.done
  if (err && !result.error) result.error = describeError(err)
  finish(result)
}

/** Sends echo requests as fast as replies come back (window of 64) for `ms`; returns replies/s. */
async function flood(
  tun: MemoryTun,
  src: string,
  dst: string,
  id: number,
  ms: number
): Promise<number> {
  const payload = Buffer.alloc(1372, 0x62)
  let seq = 0
  let received = 0
  const window = 64
  const start = performance.now()
  const end = start + ms
  const send = (): void => {
    seq = (seq + 1) & 0xffff
    tun.inject(buildEchoRequest(src, dst, id, seq, payload))
  }
  for (let i = 0; i < window; i++) send()
  while (performance.now() < end) {
    const pkt = await tun.next(500)
    if (!pkt) {
      for (let i = 0; i < window; i++) send()
      continue
    }
    if (parseEchoReply(pkt)?.id === id) {
      received += 1
      send()
    }
  }
  return Math.round(received / ((performance.now() - start) / 1000))
}

function describeError(err: Error & { code?: string }): NonNullable<ProbeResult['error']> {
  const cause = err.cause instanceof Error ? { causeName: err.cause.name } : {}
  return { name: err.name, code: err.code ?? '', message: err.message, ...cause }
}

function finish(result: ProbeResult): never {
  process.stdout.write(`${JSON.stringify(result)}\n`)
  process.exit(0)
}

function emptyResult(): ProbeResult {
  return {
    connected: false,
    sent: 0,
    received: 0,
    lost: 0,
    renegotiations: 0,
    needsInput: [],
    statuses: [],
    log: [],
  }
}

main().catch((err: unknown) => {
  finish({
    ...emptyResult(),
    error: {
      name: 'ProbeCrash',
      code: 'CRASH',
      message: err instanceof Error ? (err.stack ?? err.message) : String(err),
    },
  })
})
