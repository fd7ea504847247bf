/**
 * Benchmark: backend process start (spec §5, §6.2). A private bus, the stand-in session and
 * configuration manager, and `openvpn3-service-backendstart` with `--client-runner dist` and
 * `tsx`; per round: StartClient → its reply (spawn), → RegistrationRequest, → the reply to
 * RegistrationConfirmation (profile fetched and evaluated: the session exists, SESS_CREATED),
 * then ForceShutdown; with and without the starter's warm spare client. Prints medians and
 * writes bench/results/backend-start.json (with the load average: the machine is shared).
 * Run: node --conditions=source --import tsx bench/backend-start.mjs   (ROUNDS=5)
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { BusName, ObjectPath, backendStarterInterface, proxy } from '@openvpn3-ts/dbus'
import { REPO_ROOT, isAlive, pollUntil, startBus, startProcess } from '@openvpn3-ts/testkit'
import { StandIns, labProfile, newBackendToken, newSessionPath } from '../testing/standins.js'

const ROUNDS = Number(process.env['ROUNDS'] ?? 5)
const SPARE_SETTLE_MS = Number(process.env['SPARE_SETTLE_MS'] ?? 3000)
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN

const bus = await startBus()
const sm = await StandIns.start(bus.address)
const config = sm.addProfile('bench', await labProfile({}))
const results: Record<string, Record<string, number>> = {}
try {
  const configs = [
    ['dist', '1'],
    ['dist', '0'],
    ['tsx', '1'],
    ['tsx', '0'],
  ] as const
  for (const [runner, spare] of configs) {
    const label = `${runner}${spare === '1' ? '+spare' : ''}`
    const starter = await startProcess({
      entry: 'packages/backend/src/starter-main.ts',
      args: ['--idle-exit', '0', '--client-runner', runner, '--spare-clients', spare],
      bus,
      waitForName: BusName.backends,
    })
    const sp = proxy(sm.conn, BusName.backends, ObjectPath.backends, backendStarterInterface)
    const spawn: number[] = []
    const request: number[] = []
    const confirmed: number[] = []
    for (let i = 0; i < ROUNDS + 1; i++) {
      // a warm spare needs time to boot between sessions
      if (spare === '1') await new Promise((r) => setTimeout(r, SPARE_SETTLE_MS))
      const token = newBackendToken()
      const t0 = performance.now()
      const pid = await sp.StartClient(token)
      const t1 = performance.now()
      const req = await sm.waitFor(
        'RegistrationRequest',
        (all) => all.find((s) => s.member === 'RegistrationRequest' && s.args[1] === token),
        20_000
      )
      const t2 = performance.now()
      const be = sm.backend(String(req.args[0]))
      await be.RegistrationConfirmation(token, newSessionPath(), config)
      const t3 = performance.now()
      await be.ForceShutdown()
      await pollUntil('client exit', () => !isAlive(pid), { timeoutMs: 10_000 })
      if (i === 0) continue // warm-up: page cache, tsx cache
      spawn.push(t1 - t0)
      request.push(t2 - t0)
      confirmed.push(t3 - t0)
    }
    await starter.stop()
    results[label] = {
      startClientReplyMs: median(spawn),
      registrationRequestMs: median(request),
      registrationConfirmedMs: median(confirmed),
    }
    process.stdout.write(`${label}: ${JSON.stringify(results[label])}\n`)
  }
} finally {
  await sm.close()
  await bus.stop()
}
const out = join(REPO_ROOT, 'bench', 'results')
await mkdir(out, { recursive: true })
await writeFile(
  join(out, 'backend-start.json'),
  JSON.stringify(
    { date: new Date().toISOString(), rounds: ROUNDS, loadavg: loadavg(), results },
    null,
    2
  ) + '\n'
)
