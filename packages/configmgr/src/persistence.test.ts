/**
 * Persistent profiles (spec dbus-api.md §3.8): survive a restart with the same path,
 * properties and overrides; files 0600 in a 0700 directory; corrupt files are reported and
 * skipped; a SIGKILL while many profiles are being written leaves every file whole or absent.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  chownSync,
  copyFileSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import { join } from 'node:path'
import {
  MANAGER,
  RemoteClient,
  startServiceEnv,
  type Reply,
  type ServiceEnv,
} from './testing/harness.js'
import { validProfile } from './testing/profiles.js'

function ok(r: Reply): unknown {
  assert.equal(r.ok, true, `expected success, got ${r.errorName}: ${r.message}`)
  return r.value
}

const PROPS = [
  'name',
  'owner',
  'acl',
  'public_access',
  'locked_down',
  'transfer_owner_session',
  'persistent',
  'readonly',
  'single_use',
  'valid',
  'dco',
  'overrides',
  'tags',
  'import_timestamp',
  'last_used_timestamp',
  'used_count',
]

void describe('configmgr persistence', { timeout: 240_000 }, () => {
  let env: ServiceEnv
  let owner: RemoteClient
  let profile: string

  before(async () => {
    env = await startServiceEnv()
    await env.startService()
    owner = await RemoteClient.start(env.bus, env.users.test)
    profile = await validProfile()
  })
  after(async () => {
    await owner?.stop()
    await env?.close()
  })

  async function snapshot(path: string): Promise<Record<string, unknown>> {
    const all = ok(await owner.request({ op: 'getall', path })) as Record<string, unknown>
    return Object.fromEntries(PROPS.map((p) => [p, all[p]]))
  }

  void test('restart: same path, properties and overrides; memory-only profiles are gone', async () => {
    const p = await owner.import('keep', profile, false, true)
    const gone = await owner.import('memory-only', profile, false, false)
    ok(await owner.call(p, 'SetOverride', 'sv', ['persist-tun', { $variant: ['b', true] }]))
    ok(await owner.call(p, 'SetOverride', 'sv', ['dns-scope', { $variant: ['s', 'tunnel'] }]))
    ok(await owner.call(p, 'AddTag', 's', ['office']))
    ok(await owner.call(p, 'AccessGrant', 'u', [env.users.nobody.uid]))
    ok(await owner.set(p, 'public_access', 'b', true))
    ok(await owner.set(p, 'dco', 'b', true))
    ok(await owner.call(p, 'Seal'))
    const before = await snapshot(p)
    const fetched = ok(await owner.call(p, 'Fetch'))

    // files: 0600, directory 0700, owned by the service user
    const dirMode = statSync(env.stateDir).mode & 0o777
    assert.equal(dirMode, 0o700)
    const files = readdirSync(env.stateDir)
    assert.deepEqual(files, [`${p.split('/').pop()}.json`])
    const st = statSync(join(env.stateDir, files[0] ?? ''))
    assert.equal(st.mode & 0o777, 0o600)
    assert.equal(st.uid, env.users.openvpn.uid)
    const onDisk = JSON.parse(readFileSync(join(env.stateDir, files[0] ?? ''), 'utf8')) as Record<
      string,
      unknown
    >
    assert.equal(onDisk.object_path, p)
    assert.deepEqual(onDisk.overrides, { 'persist-tun': true, 'dns-scope': 'tunnel' })

    await env.stopService()
    await env.startService()
    assert.deepEqual(ok(await owner.call(MANAGER, 'FetchAvailableConfigs')), [p])
    assert.deepEqual(await snapshot(p), before)
    assert.equal(ok(await owner.call(p, 'Fetch')), fetched)
    assert.deepEqual(ok(await owner.call(MANAGER, 'LookupConfigName', 's', ['memory-only'])), [])
    assert.notEqual(gone, p)
    ok(await owner.call(p, 'Remove'))
    assert.deepEqual(readdirSync(env.stateDir), [])
  })

  void test('corrupt files are reported and skipped; the other profiles load', async () => {
    const good = await owner.import('good', profile, false, true)
    const goodFile = join(env.stateDir, `${good.split('/').pop()}.json`)
    await env.stopService()
    const id = (n: number) => `0000000${n}x0000x4000x8000x000000000000`
    writeFileSync(
      join(env.stateDir, `${id(1)}.json`),
      '{"object_path": "/net/openvpn/v3/configuration/000',
      { mode: 0o600 }
    )
    writeFileSync(
      join(env.stateDir, `${id(2)}.json`),
      Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80]),
      { mode: 0o600 }
    )
    writeFileSync(join(env.stateDir, `${id(3)}.json`), '{"object_path": 5, "owner": -1}', {
      mode: 0o600,
    })
    // a whole file copied under another name: path does not match the file name
    copyFileSync(goodFile, join(env.stateDir, `${id(4)}.json`))
    // a profile with a script directive is refused at load as at import
    const evil = JSON.parse(readFileSync(goodFile, 'utf8')) as Record<string, unknown>
    evil.object_path = `/net/openvpn/v3/configuration/${id(6)}`
    evil.profile = { ...(evil.profile as object), up: ['/bin/true'], 'script-security': ['2'] }
    writeFileSync(join(env.stateDir, `${id(6)}.json`), JSON.stringify(evil), { mode: 0o600 })
    // unknown and mistyped overrides are dropped, the profile loads
    evil.profile = JSON.parse(readFileSync(goodFile, 'utf8')).profile as unknown
    evil.object_path = `/net/openvpn/v3/configuration/${id(5)}`
    evil.overrides = {
      'no-such-override': true,
      'persist-tun': 'not-a-bool',
      'dns-scope': 'tunnel',
    }
    writeFileSync(join(env.stateDir, `${id(5)}.json`), JSON.stringify(evil), { mode: 0o600 })
    writeFileSync(join(env.stateDir, 'README.txt'), 'not a profile')
    for (const f of readdirSync(env.stateDir))
      chownSync(join(env.stateDir, f), env.users.openvpn.uid, env.users.openvpn.gid)
    const svc = await env.startService()
    const listed = ok(await owner.call(MANAGER, 'FetchAvailableConfigs')) as string[]
    assert.ok(listed.includes(good))
    assert.ok(listed.includes(`/net/openvpn/v3/configuration/${id(5)}`))
    assert.equal(listed.length, 2)
    // unknown/mistyped overrides dropped, known ones kept
    const ov = ok(await owner.get(`/net/openvpn/v3/configuration/${id(5)}`, 'overrides')) as Record<
      string,
      unknown
    >
    assert.deepEqual(Object.keys(ov), ['dns-scope'])
    const out = svc.output()
    for (const n of [1, 2, 3, 4, 6])
      assert.match(out, new RegExp(`Could not load .*${id(n)}\\.json: .*\\(skipped\\)`))
    assert.match(out, new RegExp(`${id(4)}\\.json: object_path .* does not match the file name`))
    assert.match(out, new RegExp(`${id(6)}\\.json: .*'up': refused`))
    assert.doesNotMatch(out, /EACCES/)
    assert.match(out, /no-such-override/)
    ok(await owner.call(good, 'Remove'))
    ok(await owner.call(`/net/openvpn/v3/configuration/${id(5)}`, 'Remove'))
    for (const f of readdirSync(env.stateDir)) rmSync(join(env.stateDir, f))
  })

  void test('SIGKILL while writing many profiles: every file is whole or absent', async (t) => {
    for (let round = 0; round < 3; round++) {
      const writer = await RemoteClient.start(env.bus, env.users.test)
      const pending: Promise<Reply>[] = []
      for (let i = 0; i < 200; i++) {
        pending.push(
          writer.call(MANAGER, 'Import', 'ssbb', [`bulk-${round}-${i}`, profile, false, true])
        )
      }
      // let some writes land, then kill mid-stream at a random moment within one write
      await pending[20 + round * 30]
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 8)))
      const pid = env.service?.pid
      assert.ok(pid)
      process.kill(pid, 'SIGKILL')
      await env.service?.waitForExit(10_000)
      env.service = undefined
      await writer.stop()
      await env.bus.waitForName('net.openvpn.v3.configuration', { owned: false, timeoutMs: 10_000 })
      const files = readdirSync(env.stateDir)
      const complete = files.filter((f) => f.endsWith('.json') && f.length === 41)
      for (const f of complete) {
        const j = JSON.parse(readFileSync(join(env.stateDir, f), 'utf8')) as {
          object_path: string
          profile: object
        }
        assert.ok(j.object_path.endsWith(f.slice(0, 36)), `${f} is whole`)
        assert.ok(Object.keys(j.profile).length > 3)
      }
      const svc = await env.startService()
      const listed = ok(await owner.call(MANAGER, 'FetchAvailableConfigs')) as string[]
      assert.equal(listed.length, complete.length, 'every complete file loads')
      assert.doesNotMatch(svc.output(), /Could not load/)
      // leftovers of interrupted writes are cleaned at start
      assert.deepEqual(
        readdirSync(env.stateDir).filter((f) => f.endsWith('.tmp')),
        []
      )
      assert.ok(complete.length >= 20, `round ${round}: ${complete.length} profiles survived`)
      t.diagnostic(`round ${round}: killed with ${complete.length} profiles on disk, all reloaded`)
    }
  })
})
