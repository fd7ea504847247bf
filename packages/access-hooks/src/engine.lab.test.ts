/**
 * The daemon's accept/deny paths as the project's own protocol engine sees them (issue 8): a
 * stock OpenVPN 2.6 server with `management-client-auth`, the access daemon attached, and the
 * engine's interop probe (`packages/protocol/src/interop/probe.ts`) run as a separate process in
 * the lab's client namespace. access-hooks shares no code with the client suite, so the probe is
 * spawned by its path and its engine options are written here as plain JSON.
 */
import { strict as assert } from 'node:assert'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { LabFixture, NEEDS_ROOT, ROOT } from './testing/lab-fixture.js'
import { REPO } from './testing/lab-harness.js'

const PROBE = join(REPO, 'packages/protocol/src/interop/probe.ts')
const fx = new LabFixture()

/** The parts of the probe's JSON result this test reads (the probe prints more). */
interface ProbeOutcome {
  connected: boolean
  localIp?: string
  sent: number
  received: number
  error?: { name: string; code: string; message: string }
  statuses: string[]
  log: string[]
}

before(async () => {
  if (!ROOT) return
  await fx.start()
  await fx.openStore('access.db', [{ username: 'alice', password: 'alice-pw' }])
})

after(() => fx.close())

let seq = 0

/**
 * Runs the engine probe in the client namespace with username/password against the management
 * server; resolves its JSON result. The probe is killed after `timeoutMs`.
 */
async function probe(
  username: string,
  password: string,
  timeoutMs = 40_000
): Promise<ProbeOutcome> {
  const lab = fx.lab
  const s = lab.mgmtServer
  const pem = lab.lab.pki.pem
  const input = {
    options: {
      remotes: [{ host: lab.lab.serverAddr, port: s.port, proto: s.proto }],
      ca: pem.caCert,
      cert: pem.clientCert,
      key: pem.clientKey,
      remoteCertTls: 'server',
      verifyX509Name: { name: lab.lab.pki.serverName, type: 'name' },
      authUserPass: true,
      username,
      password,
      connectRetry: 1,
      connectRetryMax: 1,
      handWindow: 10,
      explicitExitNotify: 1,
    },
    target: s.tunnelServerIp,
    pings: 3,
    pingIntervalMs: 100,
    timeoutMs: timeoutMs - 10_000,
  }
  const file = join(lab.dir, `probe-${process.pid}-${++seq}.json`)
  writeFileSync(file, JSON.stringify(input), { mode: 0o600 })
  const child = lab.lab.spawn(lab.lab.clientNs, process.execPath, [
    '--conditions=source',
    '--import',
    'tsx',
    PROBE,
    file,
  ])
  let out = ''
  let err = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<void>((r) => child.once('exit', () => r()))
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>(
    (r) => (timer = setTimeout(() => r('timeout'), timeoutMs))
  )
  try {
    if ((await Promise.race([exited, timedOut])) === 'timeout') {
      throw new Error(`probe timed out after ${timeoutMs} ms\n${err.slice(-2000)}`)
    }
  } finally {
    clearTimeout(timer)
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  }
  const line = out.trim().split('\n').pop() ?? ''
  try {
    return JSON.parse(line) as ProbeOutcome
  } catch (e) {
    throw new Error(`probe printed no JSON result:\n${out.slice(-2000)}\n${err.slice(-2000)}`, {
      cause: e,
    })
  }
}

const why = (r: ProbeOutcome): string => `${JSON.stringify(r.error)}\n${r.log.join('\n')}`
const T = { timeout: 90_000 }

void describe('access daemon seen by the project engine (interop probe)', () => {
  void test(
    'right password: the engine connects, pings the server tunnel address, the daemon records the session',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({}, async () => {
        const r = await probe('alice', 'alice-pw')
        assert.equal(r.error, undefined, why(r))
        assert.ok(r.connected, why(r))
        assert.match(r.localIp ?? '', /^198\.18\.1\.\d+$/)
        assert.equal(r.sent, 3)
        assert.equal(r.received, 3, `pings answered ${r.received}/${r.sent}`)
        // the session went through the daemon: its row carries the engine's tunnel address
        const rows = await fx.store.listSessions({ serverId: 'lab', username: 'alice' })
        assert.ok(
          rows.some((x) => x.vpnIp4 === r.localIp),
          JSON.stringify(rows)
        )
      })
    }
  )

  void test(
    'wrong password and unknown user: the engine reports AUTH_FAILED with the daemon reason',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({}, async () => {
        for (const [user, pw] of [
          ['alice', 'nope'],
          ['mallory', 'x'],
        ] as const) {
          const r = await probe(user, pw)
          assert.equal(r.connected, false, why(r))
          assert.equal(r.error?.code, 'AUTH_FAILED', why(r))
          assert.equal(r.error.message, 'authentication failed: authentication failed')
          assert.ok(r.statuses.includes('auth-failed'), r.statuses.join(','))
          assert.equal(r.sent, 0)
        }
      })
    }
  )

  void test(
    'source deny rule: the engine reports AUTH_FAILED "source address not allowed"',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({ source: { deny: ['192.0.2.0/24'] } }, async () => {
        const r = await probe('alice', 'alice-pw')
        assert.equal(r.connected, false, why(r))
        assert.equal(r.error?.code, 'AUTH_FAILED', why(r))
        assert.equal(r.error.message, 'authentication failed: source address not allowed')
        assert.ok(
          r.log.some((l) => l.includes('AUTH_FAILED: source address not allowed')),
          r.log.join('\n')
        )
      })
      // control: the same probe is let in once the rule allows its address
      await fx.withDaemon({ source: { allow: ['192.0.2.2/32'] } }, async () => {
        const r = await probe('alice', 'alice-pw')
        assert.ok(r.connected, why(r))
        assert.equal(r.received, 3, `pings answered ${r.received}/${r.sent}`)
      })
    }
  )
})
