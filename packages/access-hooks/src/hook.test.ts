/**
 * Script mode with a fake OpenVPN environment: the hook executable as auth-user-pass-verify
 * (synchronous and deferred via auth_control_file, CRV1 challenge), client-connect and
 * client-disconnect, applying the same chain and store as the daemon (spec 3.2, 3.4, 3.5).
 */
import { strict as assert } from 'node:assert'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { pollUntil } from '@openvpn3-ts/testkit'
import { hashPassword } from './password.js'
import { openSqliteStore } from './store/sqlite.js'
import type { Store } from './store/types.js'
import { base32Decode, generateSecret, totp } from './totp.js'

const REPO = new URL('../../../', import.meta.url).pathname
const HOOK = join(REPO, 'packages/access-hooks/src/hook-main.ts')
const dir = mkdtempSync(join(tmpdir(), 'access-hook-'))
const dbPath = join(dir, 'h.db')
const cfgPath = join(dir, 'config.json')
const secret = generateSecret()
let store: Store
let n = 0

before(async () => {
  store = openSqliteStore(dbPath)
  await store.init()
  await store.addUser({ username: 'alice', passwordHash: await hashPassword('alice-pw', 'min') })
  await store.addUser({
    username: 'otp',
    passwordHash: await hashPassword('otp-pw', 'min'),
    totpSecret: secret,
  })
  await store.addUser({
    username: 'capped',
    passwordHash: await hashPassword('c', 'min'),
    limits: { dailySeconds: 100 },
  })
  const script = join(dir, 'connect.sh')
  writeFileSync(
    script,
    `#!/bin/sh\nenv | grep ^VPN_ | sort > ${dir}/env.$VPN_EVENT\n[ "$VPN_USER_ID" != blocked ]\n`
  )
  chmodSync(script, 0o755)
  writeFileSync(
    cfgPath,
    JSON.stringify({
      serverId: 'scripted',
      store: { type: 'sqlite', path: dbPath },
      totp: {},
      sessions: { maxSessionSeconds: 3600 },
      scripts: { connect: script, disconnect: script, profileId: 'p1' },
      logLevel: 'error',
    })
  )
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

function hook(env: Record<string, string>, args: string[] = []) {
  return spawnSync(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', HOOK, '--config', cfgPath, ...args],
    {
      cwd: REPO,
      env: { PATH: process.env.PATH ?? '', ...env },
      encoding: 'utf8',
      timeout: 30_000,
    }
  )
}

function viaFile(user: string, pw: string): string {
  const f = join(dir, `up${++n}`)
  writeFileSync(f, `${user}\n${pw}\n`)
  return f
}

const base = {
  untrusted_ip: '192.0.2.2',
  untrusted_port: '40001',
  common_name: 'client.lab',
  daemon_pid: '77',
}

/** Environment of a deferred user-pass-verify with its control and reason files (`<kind>-<name>`). */
function deferredEnv(name: string) {
  return {
    ...base,
    script_type: 'user-pass-verify',
    auth_control_file: join(dir, `ctl-${name}`),
    auth_failed_reason_file: join(dir, `reason-${name}`),
  }
}

/** Waits until the worker has written `auth_control_file`; resolves its content. */
function controlFile(path: string): Promise<string> {
  return pollUntil(
    'control file',
    () => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    { timeoutMs: 20_000 }
  )
}

void describe('classic script mode (openvpn3-access-hook)', () => {
  void test('user-pass-verify --sync: exit 0 accepts, exit 1 rejects with the reason file', () => {
    assert.equal(
      hook({ ...base, script_type: 'user-pass-verify' }, ['--sync', viaFile('alice', 'alice-pw')])
        .status,
      0
    )
    const reason = join(dir, 'reason-sync')
    const r = hook({ ...base, script_type: 'user-pass-verify', auth_failed_reason_file: reason }, [
      '--sync',
      viaFile('alice', 'bad'),
    ])
    assert.equal(r.status, 1)
    assert.equal(readFileSync(reason, 'utf8'), 'authentication failed')
  })

  void test('user-pass-verify deferred: exit 2 at once, the worker writes auth_control_file', async () => {
    const ctl = join(dir, 'ctl-ok')
    const r = hook({ ...base, script_type: 'user-pass-verify', auth_control_file: ctl }, [
      viaFile('alice', 'alice-pw'),
    ])
    assert.equal(r.status, 2, r.stderr)
    assert.equal(await controlFile(ctl), '1')
    const env = deferredEnv('bad')
    assert.equal(hook(env, [viaFile('alice', 'nope')]).status, 2)
    assert.equal(await controlFile(env.auth_control_file), '0')
    assert.equal(readFileSync(env.auth_failed_reason_file, 'utf8'), 'authentication failed')
  })

  void test('user-pass-verify: TOTP through a CRV1 challenge kept in the store between runs', async () => {
    const env = deferredEnv('crv1')
    assert.equal(hook(env, [viaFile('otp', 'otp-pw')]).status, 2)
    await controlFile(env.auth_control_file)
    const m = /^CRV1:R,E:([0-9a-f]+):(.+):Enter your authenticator code$/.exec(
      readFileSync(env.auth_failed_reason_file, 'utf8')
    )
    assert.ok(m)
    const code = totp(base32Decode(secret), Date.now() / 1000)
    const r = hook({ ...base, script_type: 'user-pass-verify' }, [
      '--sync',
      viaFile('otp', `CRV1::${m[1]}::${code}`),
    ])
    assert.equal(r.status, 0, r.stderr)
  })

  void test('client-connect/disconnect: session record, session-timeout, VPN_* variables, accounting', async () => {
    const ccFile = join(dir, 'cc-out')
    const env = {
      ...base,
      script_type: 'client-connect',
      username: 'alice',
      time_unix: String(Math.floor(Date.now() / 1000)),
      trusted_ip: '192.0.2.2',
      ifconfig_pool_remote_ip: '198.18.2.2',
    }
    const r = hook(env, [ccFile])
    assert.equal(r.status, 0, r.stderr)
    assert.equal(readFileSync(ccFile, 'utf8'), 'session-timeout 3600\n')
    const s = (await store.listSessions({ serverId: 'scripted', activeOnly: true }))[0]
    assert.deepEqual(
      [s?.username, s?.vpnIp4, s?.state, s?.serverPid],
      ['alice', '198.18.2.2', 'active', 77]
    )
    const c = readFileSync(join(dir, 'env.C'), 'utf8')
    for (const v of [
      'VPN_EVENT=C',
      'VPN_USER_ID=alice',
      'VPN_PROFILE_ID=p1',
      'VPN_CONNECTION_ID=client.lab',
      'VPN_IP_FOUR=198.18.2.2',
      'VPN_ORIGINATING_IP=192.0.2.2',
      'VPN_PROTO=openvpn',
    ]) {
      assert.ok(c.split('\n').includes(v), `${v} in ${c}`)
    }
    const d = hook({
      ...env,
      script_type: 'client-disconnect',
      bytes_received: '1000',
      bytes_sent: '2000',
      time_duration: '42',
    })
    assert.equal(d.status, 0)
    const ended = await store.getSession(s?.id ?? -1)
    assert.deepEqual(
      [ended?.state, ended?.bytesIn, ended?.bytesOut, ended?.durationS, ended?.endReason],
      ['ended', 1000, 2000, 42, 'disconnected']
    )
    assert.ok(readFileSync(join(dir, 'env.D'), 'utf8').includes('VPN_BYTES_OUT=2000'))
  })

  void test('client-connect rejects: connect script non-zero exit, daily limit used up', async () => {
    await store.addUser({ username: 'blocked', passwordHash: 'x' })
    const env = {
      ...base,
      script_type: 'client-connect',
      time_unix: '1',
      ifconfig_pool_remote_ip: '198.18.2.3',
    }
    assert.equal(hook({ ...env, username: 'blocked' }, [join(dir, 'cc2')]).status, 1)
    const now = Math.floor(Date.now() / 1000)
    const id = await store.openSession({
      serverId: 'x',
      serverPid: 1,
      connKey: 'k',
      cid: null,
      username: 'capped',
      commonName: '',
      sourceIp: '',
      sourcePort: 0,
      startedAt: now - 200,
      expiresAt: null,
    })
    await store.closeSession(id, { endedAt: now, reason: 't' })
    assert.equal(hook({ ...env, username: 'capped' }, [join(dir, 'cc3')]).status, 1)
  })
})
