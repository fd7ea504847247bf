/** Profile evaluation at registration (spec §6.6, §3.7 overrides, §6.1 verb/log-level). */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { ProfileEvaluationError } from './errors.js'
import { evaluateProfile } from './profile-eval.js'
import { labProfile } from './testing/standins.js'

void test('cert profile: engine options, peer info, exit notify, no slots', async () => {
  const e = evaluateProfile(await labProfile({}))
  assert.deepEqual(e.options.remotes, [{ host: '192.0.2.1', port: 1194, proto: 'udp' }])
  assert.equal(e.options.setenv?.['IV_GUI_VER'], 'OpenVPN3/Linux/v27')
  assert.equal(e.options.setenv?.['IV_SSO'], 'openurl,webauth,crtext')
  assert.equal(e.options.explicitExitNotify, 1)
  assert.equal(e.needsUserPass, false)
  assert.equal(e.staticChallenge, undefined)
  assert.equal(e.keyEncrypted, false)
  assert.equal(e.logLevel, undefined, 'no verb: keep the process level')
})

void test('auth-user-pass, static challenge, verb; overrides win', async () => {
  const text = await labProfile({
    lines: ['auth-user-pass', 'static-challenge "PIN please" 0', 'verb 9'],
  })
  const e = evaluateProfile(text)
  assert.equal(e.needsUserPass, true)
  assert.deepEqual(e.staticChallenge, { text: 'PIN please', echo: false })
  assert.equal(e.logLevel, 6, 'verb capped at 6')
  const o = evaluateProfile(text, {
    'log-level': '2',
    'server-override': '192.0.2.9',
    'port-override': '1195',
    'proto-override': 'tcp',
    'dns-setup-disabled': true,
    'dns-scope': 'tunnel',
  })
  assert.equal(o.logLevel, 2)
  assert.deepEqual(o.options.remotes, [{ host: '192.0.2.9', port: 1195, proto: 'tcp' }])
  assert.equal(o.dnsDisabled, true)
  assert.equal(o.dnsScope, 'tunnel')
})

void test('refusals: parse errors and external PKI', async () => {
  assert.throws(() => evaluateProfile('client\nremote\n'), ProfileEvaluationError)
  const noKey = (await labProfile({})).replace(/<key>[\s\S]*<\/key>/, '')
  assert.throws(
    () => evaluateProfile(noKey),
    (err: unknown) =>
      err instanceof ProfileEvaluationError &&
      err.message ===
        'Failed to parse configuration: Configuration requires external PKI which is not implemented yet.'
  )
})
