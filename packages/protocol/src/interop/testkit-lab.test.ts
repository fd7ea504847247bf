/**
 * The engine against the shared `@openvpn3-ts/testkit` lab: every server kind the lab offers,
 * with the lab's own inline client profile parsed by `parseProfile` and mapped with
 * `engineOptionsFromProfile` — the path the backend takes. The probe runs in the lab's client
 * namespace and pings the server's tunnel address through the data channel.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startLab, type Lab } from '@openvpn3-ts/testkit'
import { engineOptionsFromProfile } from '../profile-mapping.js'
import { parseProfile } from '../profile/index.js'
import { canRunLab, runProbeIn } from './lab.js'

const skip = canRunLab() ?? false
const KINDS = [
  'cert',
  'tls-auth',
  'tls-crypt',
  'tls-crypt-v2',
  'userpass',
  'static-challenge',
  'tcp',
] as const
let lab: Lab | undefined
let dir: string | undefined

void describe(
  'engine on the testkit lab (profile → options → tunnel)',
  { skip, timeout: 180_000 },
  () => {
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'ovpn-probe-'))
      lab = await startLab({ servers: KINDS.map((kind) => ({ kind })) })
    })
    after(async () => {
      await lab?.close()
      if (dir) rmSync(dir, { recursive: true, force: true })
    })

    for (const kind of KINDS) {
      void test(`${kind}`, { timeout: 60_000 }, async () => {
        const l = lab
        assert.ok(l && dir)
        const server = l.servers.find((s) => s.kind === kind)
        assert.ok(server, `lab has a ${kind} server`)
        const parsed = parseProfile(server.profile)
        assert.ok(parsed.ok, JSON.stringify(parsed.ok ? [] : parsed.issues))
        const options = engineOptionsFromProfile(parsed.profile, {
          connectRetryMax: 1,
          handWindow: 10,
          ...(server.username !== undefined ? { username: server.username } : {}),
          ...(server.password !== undefined ? { password: server.password } : {}),
          ...(server.challengeResponse !== undefined
            ? { staticChallengeResponse: server.challengeResponse }
            : {}),
        })
        const r = await runProbeIn(
          l.clientNs,
          {
            options,
            target: server.tunnelServerIp,
            pings: 3,
            pingIntervalMs: 100,
            timeoutMs: 30_000,
          },
          40_000,
          dir
        )
        assert.equal(r.error, undefined, `${JSON.stringify(r.error)}\n${r.log.join('\n')}`)
        assert.ok(r.connected)
        assert.equal(r.received, 3, `pings answered ${r.received}/${r.sent}`)
      })
    }
  }
)
