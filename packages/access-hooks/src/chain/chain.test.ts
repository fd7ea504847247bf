import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parseConfig } from '../config.js'
import { loadEventsModule } from '../events-module.js'
import { identityFromEnv } from '../identity.js'
import { silentLogger } from '../logger.js'
import { hashPassword } from '../password.js'
import { buildChain, newContext } from '../policy.js'
import { openSqliteStore } from '../store/sqlite.js'
import type { Store } from '../store/types.js'
import { base32Decode, generateSecret, totp } from '../totp.js'

const dir = mkdtempSync(join(tmpdir(), 'access-chain-'))
let store: Store
const secret = generateSecret()

before(async () => {
  store = openSqliteStore(join(dir, 'a.db'))
  await store.init()
  await store.addUser({ username: 'alice', passwordHash: await hashPassword('pw-alice', 'min') })
  await store.addUser({
    username: 'mac',
    passwordHash: await hashPassword('pw-mac', 'min'),
    macs: ['00:11:22:33:44:55'],
  })
  await store.addUser({
    username: 'otp',
    passwordHash: await hashPassword('pw-otp', 'min'),
    totpSecret: secret,
  })
  await store.addUser({
    username: 'lim',
    passwordHash: await hashPassword('pw-lim', 'min'),
    limits: { maxSessions: 1, dailySeconds: 100 },
  })
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function env(over: Record<string, string>): Record<string, string> {
  return { untrusted_ip: '192.0.2.2', untrusted_port: '40000', common_name: 'client', ...over }
}

async function decide(
  raw: unknown,
  e: Record<string, string>,
  opts: { otp?: string; firstFactorDone?: boolean } = {}
) {
  const config = parseConfig(raw, 'hook')
  const chain = buildChain(config, undefined)
  const ctx = newContext(identityFromEnv(e, { realmSeparator: config.realmSeparator }), store, {
    password: e.password,
    otpResponse: opts.otp,
    firstFactorDone: opts.firstFactorDone ?? false,
  })
  const r = await chain.run(ctx)
  return { ...r, ctx }
}

void describe('event chain', () => {
  void test('password: accept, wrong password, unknown user, realm split', async () => {
    assert.equal(
      (await decide({}, env({ username: 'alice', password: 'pw-alice' }))).verdict.type,
      'accept'
    )
    const wrong = await decide({}, env({ username: 'alice', password: 'nope' }))
    assert.deepEqual(wrong.verdict, {
      type: 'deny',
      reason: 'wrong password for "alice"',
      clientReason: 'authentication failed',
    })
    assert.equal(wrong.by, 'password')
    assert.match((await decide({}, env({ username: 'eve', password: 'x' }))).verdict.type, /deny/)
    const realm = await decide(
      { realmSeparator: '@' },
      env({ username: 'alice@corp', password: 'pw-alice' })
    )
    assert.equal(realm.verdict.type, 'accept')
    assert.equal(realm.ctx.client.realm, 'corp')
  })

  void test('source: deny list, allow list and time windows', async () => {
    const e = env({ username: 'alice', password: 'pw-alice' })
    assert.equal((await decide({ source: { deny: ['192.0.2.0/24'] } }, e)).by, 'source')
    assert.equal((await decide({ source: { allow: ['198.51.100.0/24'] } }, e)).verdict.type, 'deny')
    assert.equal((await decide({ source: { allow: ['192.0.2.0/30'] } }, e)).verdict.type, 'accept')
    const now = new Date()
    const other = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(now.getDay() + 3) % 7]
    assert.equal(
      (await decide({ source: { timeWindows: [`${other} 00:00-24:00`] } }, e)).verdict.type,
      'deny'
    )
    assert.equal(
      (await decide({ source: { timeWindows: ['* 00:00-24:00'] } }, e)).verdict.type,
      'accept'
    )
  })

  void test('MAC binding from IV_HWADDR or a UV_ variable', async () => {
    const base = env({ username: 'mac', password: 'pw-mac' })
    assert.equal(
      (await decide({ mac: {} }, { ...base, IV_HWADDR: '00:11:22:33:44:55' })).verdict.type,
      'accept'
    )
    assert.equal(
      (await decide({ mac: {} }, { ...base, IV_HWADDR: '00-11-22-33-44-55' })).verdict.type,
      'accept'
    )
    const other = await decide({ mac: {} }, { ...base, IV_HWADDR: '66:11:22:33:44:55' })
    assert.equal(
      other.verdict.type === 'deny' && other.verdict.clientReason,
      'device not registered'
    )
    assert.equal((await decide({ mac: {} }, base)).verdict.type, 'deny')
    const uv = { mac: { variable: 'UV_CLIENT_MAC' } }
    assert.equal(
      (await decide(uv, { ...base, UV_CLIENT_MAC: '00:11:22:33:44:55' })).verdict.type,
      'accept'
    )
    // alice has no registered device
    const a = env({ username: 'alice', password: 'pw-alice', IV_HWADDR: '00:11:22:33:44:55' })
    assert.equal((await decide({ mac: {} }, a)).verdict.type, 'deny')
    assert.equal((await decide({ mac: { required: false } }, a)).verdict.type, 'accept')
  })

  void test('TOTP: challenge without response, accept right code once, deny wrong code and replay', async () => {
    const e = env({ username: 'otp', password: 'pw-otp' })
    const c = await decide({ totp: {} }, e)
    assert.deepEqual(c.verdict, {
      type: 'challenge',
      text: 'Enter your authenticator code',
      echo: true,
    })
    const code = totp(base32Decode(secret), Date.now() / 1000)
    assert.equal(
      (
        await decide(
          { totp: {} },
          { username: 'otp' },
          { otp: '000000' === code ? '111111' : '000000', firstFactorDone: true }
        )
      ).verdict.type,
      'deny'
    )
    assert.equal(
      (await decide({ totp: {} }, { username: 'otp' }, { otp: code, firstFactorDone: true }))
        .verdict.type,
      'accept'
    )
    const replay = await decide(
      { totp: {} },
      { username: 'otp' },
      { otp: code, firstFactorDone: true }
    )
    assert.equal(
      replay.verdict.type === 'deny' && replay.verdict.clientReason,
      'one-time code already used'
    )
    // static challenge form carries password and code together
    const later = totp(base32Decode(secret), Date.now() / 1000 + 30)
    const scr = `SCRV1:${Buffer.from('pw-otp').toString('base64')}:${Buffer.from(later).toString('base64')}`
    assert.equal(
      (await decide({ totp: {} }, env({ username: 'otp', password: scr }))).verdict.type,
      'accept'
    )
  })

  void test('sessions: max per user, daily limit, allowance and session-timeout line', async () => {
    const e = env({ username: 'lim', password: 'pw-lim' })
    const ok = await decide({ sessions: { maxSessionSeconds: 50 } }, e)
    assert.equal(ok.verdict.type, 'accept')
    assert.equal(ok.ctx.allowanceS, 50)
    assert.deepEqual(ok.ctx.config, ['session-timeout 55'])
    const now = Math.floor(Date.now() / 1000)
    const base = {
      serverId: 's',
      serverPid: 1,
      commonName: '',
      sourceIp: '192.0.2.2',
      sourcePort: 1,
      username: 'lim',
      expiresAt: null,
    }
    const id = await store.openSession({ ...base, connKey: 'k1', cid: 1, startedAt: now - 30 })
    const full = await decide({ sessions: {} }, e)
    assert.equal(full.verdict.type === 'deny' && full.verdict.clientReason, 'too many sessions')
    await store.closeSession(id, { endedAt: now, reason: 'test' })
    const left = await decide({ sessions: {} }, e)
    assert.equal(left.ctx.allowanceS, 70)
    const id2 = await store.openSession({ ...base, connKey: 'k2', cid: 2, startedAt: now - 80 })
    await store.closeSession(id2, { endedAt: now, reason: 'test' })
    const over = await decide({ sessions: {} }, e)
    assert.equal(
      over.verdict.type === 'deny' && over.verdict.clientReason,
      'daily time limit reached'
    )
  })

  void test('config lists every problem at once', () => {
    assert.throws(
      () =>
        parseConfig(
          {
            source: { allow: ['10.0.0.0/40'], timeWindows: ['xday 1-2'] },
            mac: { variable: 'CLIENT_MAC' },
            bogus: 1,
          },
          'daemon'
        ),
      (e: Error & { issues?: string[] }) => {
        assert.ok(e.issues && e.issues.length >= 2, String(e.issues))
        assert.ok(e.issues.some((i) => i.includes('mac.variable')))
        assert.ok(e.issues.some((i) => i.includes('bogus')))
        return true
      }
    )
    assert.throws(
      () =>
        parseConfig({ source: { allow: ['10.0.0.0/40'], timeWindows: ['xday 1-2'] } }, 'daemon'),
      (e: Error & { issues?: string[] }) => e.issues?.length === 3
    )
  })
})

void describe('events module (JazzVPN callbacks)', () => {
  void test('accept_conn, user_key, validate_user wired; peer_* reported unavailable', async () => {
    const path = join(dir, 'events.mjs')
    writeFileSync(
      path,
      `export function accept_conn(i) { return i.ip !== '192.0.2.66' }
       export function user_key(u) { return u.username === 'ext' ? 'ext-pw' : null }
       export function validate_user(u) {
         if (u.username === 'blocked') return { status: 'rejected', reason: 'blocked by policy' }
         const r = u.other_data.find((d) => d.code === 'challenge_response')
         if (u.username === 'ext' && !r) return { status: 'challenge', text: 'PIN?' }
         if (r) return r.value === '42' ? 'accepted' : 'rejected'
         return undefined
       }
       export function peer_filter() {}
       export function peer_connection() {}`
    )
    const events = await loadEventsModule(path, silentLogger)
    assert.equal(events.warnings.length, 2)
    await store.addUser({ username: 'blocked', passwordHash: await hashPassword('b', 'min') })
    const config = parseConfig({}, 'hook')
    const chain = buildChain(config, events)
    const run = async (e: Record<string, string>, otp?: string) =>
      (
        await chain.run(
          newContext(identityFromEnv(e), store, { password: e.password, otpResponse: otp })
        )
      ).verdict
    assert.equal(
      (await run(env({ username: 'alice', password: 'pw-alice', untrusted_ip: '192.0.2.66' })))
        .type,
      'deny'
    )
    assert.deepEqual(await run(env({ username: 'ext', password: 'ext-pw' })), {
      type: 'challenge',
      text: 'PIN?',
      echo: true,
    })
    assert.equal((await run(env({ username: 'ext', password: 'ext-pw' }), '42')).type, 'accept')
    assert.equal((await run(env({ username: 'ext', password: 'ext-pw' }), '41')).type, 'deny')
    assert.equal((await run(env({ username: 'ext', password: 'bad' }))).type, 'deny')
    const b = await run(env({ username: 'blocked', password: 'b' }))
    assert.equal(b.type === 'deny' && b.clientReason, 'blocked by policy')
    assert.equal((await run(env({ username: 'alice', password: 'pw-alice' }))).type, 'accept')
  })
})
