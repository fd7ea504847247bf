/**
 * Client behaviour without a server: option validation, the event iterator, link failures with
 * retry and give-up, needs-input for missing credentials, stop while waiting (no hang).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { LinkError } from '../errors.js'
import { MemoryTun } from '../link/memory-tun.js'
import type { LinkFactory } from '../link/link.js'
import { createClient, type ClientEvent } from './client.js'

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'
const remote = { host: '192.0.2.77', port: 1194, proto: 'udp' as const }

void describe('client', () => {
  void test('rejects invalid options with InvalidOptionsError', () => {
    assert.throws(() => createClient({ remotes: [] }, { tun: new MemoryTun() }), {
      name: 'InvalidOptionsError',
    })
    assert.throws(() => createClient({ remotes: [remote] }, { tun: new MemoryTun() }), {
      name: 'InvalidOptionsError',
      message: /CA/,
    })
  })

  void test('link failures: retries each remote, then gives up with the cause', async () => {
    let calls = 0
    const link: LinkFactory = async (r) => {
      calls += 1
      throw new LinkError(`cannot reach ${r.host}`)
    }
    const client = createClient(
      {
        remotes: [remote, { ...remote, host: '192.0.2.78' }],
        ca: CA,
        connectRetry: 0,
        connectRetryMax: 2,
      },
      { tun: new MemoryTun(), link }
    )
    const events: ClientEvent[] = []
    const iterate = (async () => {
      for await (const e of client.events()) events.push(e)
    })()
    await client.start()
    const err = await client.done
    await iterate
    assert.equal(err?.name, 'ConnectAttemptsExhaustedError')
    assert.equal((err?.cause as Error | undefined)?.name, 'LinkError')
    assert.equal(calls, 4)
    assert.equal(client.stats().reconnects, 3)
    const last = events[events.length - 1]
    assert.equal(last?.type, 'disconnected')
    assert.ok(events.some((e) => e.type === 'status' && e.status === 'reconnecting'))
  })

  void test('missing credentials raise needs-input; stop() while waiting does not hang', async () => {
    const client = createClient(
      { remotes: [remote], ca: CA, authUserPass: true },
      {
        tun: new MemoryTun(),
        link: async () => {
          throw new LinkError('unreachable')
        },
      }
    )
    const asked = new Promise<ClientEvent>((resolve) =>
      client.on((e) => {
        if (e.type === 'needs-input') resolve(e)
      })
    )
    await client.start()
    const e = await asked
    assert.deepEqual(e.type === 'needs-input' && e.request, {
      kind: 'credentials',
      needUsername: true,
      needPassword: true,
    })
    await client.stop()
    assert.equal(await client.done, undefined)
    assert.equal(client.status, 'disconnected')
  })

  void test('remote-random tries every remote once per pass, in some order', async () => {
    const hosts: string[] = []
    const remotes = [1, 2, 3, 4, 5].map((i) => ({ ...remote, host: `192.0.2.${i}` }))
    const client = createClient(
      { remotes, remoteRandom: true, ca: CA, connectRetry: 0, connectRetryMax: 1 },
      {
        tun: new MemoryTun(),
        link: async (r) => {
          hosts.push(r.host)
          throw new LinkError('unreachable')
        },
      }
    )
    await client.start()
    assert.equal((await client.done)?.name, 'ConnectAttemptsExhaustedError')
    assert.deepEqual([...hosts].sort(), remotes.map((r) => r.host).sort())
  })

  void test('stop() before start() settles done', async () => {
    const client = createClient({ remotes: [remote], ca: CA }, { tun: new MemoryTun() })
    await client.stop()
    assert.equal(await client.done, undefined)
  })
})
