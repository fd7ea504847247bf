/**
 * The spare's warm-up (warm-up.ts): its sample profile goes through the real connect-path code
 * (profile evaluation and engine option checks), so the warm-up really warms that code; it
 * stops early when asked and never fails.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { loadEngineModules } from './client.js'
import { memoryTlsHandshake, warmUp, warmUpProfile } from './warm-up.js'

void describe('warm-up', { timeout: 30_000 }, () => {
  void test('the sample profile evaluates and its engine options resolve', async () => {
    const [{ evaluateProfile }, { resolveEngineOptions }] = await loadEngineModules()
    const profile = evaluateProfile(warmUpProfile())
    const options = resolveEngineOptions(profile.options)
    assert.deepEqual(options.remotes, [{ host: '192.0.2.1', port: 1194, proto: 'udp' }])
    assert.equal(options.tlsWrap.mode, 'tls-crypt')
    assert.equal(profile.needsUserPass, false)
    // a fresh key each time: nothing fixed that could pass for a real secret
    assert.notEqual(warmUpProfile(), warmUpProfile())
  })

  void test('the in-memory TLS handshake completes (records both ways) and leaves no handles', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length
    await memoryTlsHandshake()
    await new Promise((r) => setTimeout(r, 50))
    const after = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length
    assert.ok(after <= before, `active resources ${before} -> ${after}`)
  })

  void test('warmUp resolves, also when told to stop at once', async () => {
    await warmUp()
    let asked = 0
    await warmUp(() => {
      asked += 1
      return true
    })
    assert.equal(asked, 1)
  })
})
