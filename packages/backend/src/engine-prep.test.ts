/**
 * Engine preparation after registration (engine-prep.ts, issue 6): the TLS context is made ahead
 * for a certificate profile and given to the engine only for the options it was made for; none
 * for an encrypted key (the passphrase comes later) or options a context cannot be made for (the
 * engine meets that itself, as before); steps not yet begun wait for the connect path, and a context the engine
 * already asked for is not made any more.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPrivateKey } from 'node:crypto'
import { pkiMaterial } from '@openvpn3-ts/testkit'
import { loadEngineModules } from './client.js'
import { EnginePrep } from './engine-prep.js'
import { labProfile } from './testing/standins.js'

async function setup(text: string) {
  const [{ evaluateProfile }, protocol] = await loadEngineModules()
  const profile = evaluateProfile(text)
  /** the TLS options the engine derives at Connect (credentials merged as client.ts does) */
  const engineTls = (extra: Record<string, string> = {}) =>
    protocol.tlsClientOptions(protocol.resolveEngineOptions({ ...profile.options, ...extra }))
  return { protocol, profile, engineTls }
}

void describe('engine preparation', { timeout: 30_000 }, () => {
  void test('certificate profile: a context for exactly the engine’s TLS options', async () => {
    const { protocol, profile, engineTls } = await setup(
      await labProfile({ lines: ['auth-user-pass'] })
    )
    const prep = new EnginePrep(protocol, profile)
    await prep.done
    assert.ok(prep.hasTlsContext)
    // user name and password do not change the TLS options: the prepared context is given
    const ctx = prep.tlsContext(engineTls({ username: 'u', password: 'p' }))
    assert.ok(ctx, 'prepared context given')
    assert.equal(prep.tlsContext(engineTls()), ctx)
    // other TLS options (a passphrase, another CA): none, the engine builds its own
    assert.equal(prep.tlsContext(engineTls({ keyPassphrase: 'x' })), undefined)
    const pem = await pkiMaterial()
    assert.equal(prep.tlsContext({ ...engineTls(), ca: pem.otherCaCert }), undefined)
  })

  void test('encrypted key or a context that cannot be made: none, no failure', async () => {
    const pem = await pkiMaterial()
    const encrypted = createPrivateKey(pem.clientKey).export({
      format: 'pem',
      type: 'pkcs8',
      cipher: 'aes-256-cbc',
      passphrase: 'key-Passphrase-1',
    })
    const base = await labProfile({})
    const withKey = (key: string) =>
      base.replace(/<key>[\s\S]*<\/key>/, `<key>\n${key.trim()}\n</key>`)
    // a cipher list OpenSSL refuses passes profile evaluation but fails the context
    const badCiphers = await labProfile({ lines: ['tls-cipher NO-SUCH-CIPHER'] })
    for (const text of [withKey(String(encrypted)), badCiphers]) {
      const { protocol, profile, engineTls } = await setup(text)
      const prep = new EnginePrep(protocol, profile)
      await prep.done
      assert.equal(prep.hasTlsContext, false)
      assert.equal(prep.tlsContext(engineTls()), undefined)
    }
  })

  void test('steps wait for the connect path; a context asked for first is not made', async () => {
    const { protocol, profile, engineTls } = await setup(await labProfile({}))
    let release: () => void = () => undefined
    const prep = new EnginePrep(protocol, profile)
    prep.holdUntil(new Promise<void>((r) => (release = r)))
    await new Promise((r) => setTimeout(r, 200))
    assert.equal(prep.hasTlsContext, false, 'held while the engine starts')
    release()
    await prep.done
    assert.ok(prep.hasTlsContext)

    const late = new EnginePrep(protocol, profile)
    late.holdUntil(new Promise<void>((r) => (release = r)))
    assert.equal(late.tlsContext(engineTls()), undefined, 'not ready: the engine builds one')
    release()
    await late.done
    assert.equal(late.hasTlsContext, false, 'no context made after the engine asked')
  })
})
