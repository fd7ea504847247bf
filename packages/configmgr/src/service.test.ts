/**
 * The configuration manager on a real private bus, as a real process running as the openvpn
 * user, called by real processes as the profile owner (ovpn3-test), a second UID (nobody),
 * the openvpn user (with and without a backend bus name) and root: every method and property
 * of spec dbus-api.md §3.1–3.3, allowed and denied, with the upstream error names and texts.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  DBusConnection,
  proxy,
  BusName,
  ObjectPath,
  configurationManagerInterface,
} from '@openvpn3-ts/dbus'
import {
  GDBUSPP,
  MANAGER,
  REQUEST,
  ROOT,
  RemoteClient,
  startServiceEnv,
  type Reply,
  type ServiceEnv,
} from './testing/harness.js'
import {
  INCOMPLETE_PROFILE,
  SCRIPT_PROFILE,
  BROKEN_PROFILE,
  validProfile,
} from './testing/profiles.js'

const ACCESS_DENIED = 'org.freedesktop.DBus.Error.AccessDenied'
const DENIED_TEXT =
  'GDBus.Error:net.openvpn.gdbuspp: Access to the configuration profile is denied.'
const SEALED_TEXT = 'GDBus.Error:net.openvpn.gdbuspp: Configuration profile is sealed and read-only'

function ok(r: Reply): unknown {
  assert.equal(r.ok, true, `expected success, got ${r.errorName}: ${r.message}`)
  return r.value
}
function denied(r: Reply, name: string, message?: string | RegExp): void {
  assert.equal(r.ok, false, `expected ${name}, got success ${JSON.stringify(r.value)}`)
  assert.equal(r.errorName, name, r.message)
  if (typeof message === 'string') assert.equal(r.message, message)
  else if (message) assert.match(r.message ?? '', message)
}

void describe('configmgr over the bus', { timeout: 180_000 }, () => {
  let env: ServiceEnv
  let owner: RemoteClient
  let other: RemoteClient
  let openvpn: RemoteClient
  let root: RemoteClient
  let profile: string
  let events: [string, number, number][]
  let watcher: DBusConnection

  before(async () => {
    env = await startServiceEnv()
    await env.startService()
    ;[owner, other, openvpn, root] = await Promise.all([
      RemoteClient.start(env.bus, env.users.test),
      RemoteClient.start(env.bus, env.users.nobody),
      RemoteClient.start(env.bus, env.users.openvpn),
      RemoteClient.start(env.bus, ROOT),
    ])
    profile = await validProfile()
    events = []
    watcher = await DBusConnection.connect({ address: env.bus.address })
    const mgr = proxy(
      watcher,
      BusName.configuration,
      ObjectPath.configuration,
      configurationManagerInterface
    )
    await mgr.$on('ConfigurationManagerEvent', (path, type, uid) => events.push([path, type, uid]))
  })
  after(async () => {
    await watcher?.close()
    await Promise.allSettled([owner, other, openvpn, root].map((c) => c?.stop()))
    await env?.close()
  })

  void test('manager: version, Import, CFG_CREATED, list filters', async () => {
    assert.match(String(ok(await other.get(MANAGER, 'version'))), /^v\d+/)
    const p = await owner.import('lab-list', profile)
    await waitFor(() => events.some((e) => e[0] === p && e[1] === 1 && e[2] === env.users.test.uid))
    assert.ok((ok(await owner.call(MANAGER, 'FetchAvailableConfigs')) as string[]).includes(p))
    assert.ok(!(ok(await other.call(MANAGER, 'FetchAvailableConfigs')) as string[]).includes(p))
    assert.deepEqual(ok(await owner.call(MANAGER, 'LookupConfigName', 's', ['lab-list'])), [p])
    assert.deepEqual(ok(await other.call(MANAGER, 'LookupConfigName', 's', ['lab-list'])), [])
    ok(await owner.call(p, 'AddTag', 's', ['work']))
    assert.deepEqual(ok(await owner.call(MANAGER, 'SearchByTag', 's', ['work'])), [p])
    assert.deepEqual(ok(await other.call(MANAGER, 'SearchByTag', 's', ['work'])), [])
    const byName = ok(
      await owner.call(MANAGER, 'SearchByOwner', 's', [env.users.test.name])
    ) as string[]
    const byUid = ok(
      await owner.call(MANAGER, 'SearchByOwner', 's', [String(env.users.test.uid)])
    ) as string[]
    assert.ok(byName.includes(p) && byUid.includes(p))
    assert.deepEqual(ok(await owner.call(MANAGER, 'SearchByOwner', 's', ['no-such-user-xyz'])), [])
    // root has no extra visibility (spec §3.4)
    assert.ok(!(ok(await root.call(MANAGER, 'FetchAvailableConfigs')) as string[]).includes(p))
  })

  void test('import refuses scripts/plugins and broken profiles with every problem; incomplete ones are imported invalid', async () => {
    const s = await owner.call(MANAGER, 'Import', 'ssbb', ['evil', SCRIPT_PROFILE, false, false])
    denied(
      s,
      REQUEST,
      /^GDBus\.Error:net\.openvpn\.gdbuspp\.request: Invalid configuration profile: /
    )
    for (const want of [/line 4: 'script-security'/, /line 5: 'up'/, /line 6: 'plugin'/])
      assert.match(s.message ?? '', want)
    const b = await owner.call(MANAGER, 'Import', 'ssbb', ['broken', BROKEN_PROFILE, false, false])
    denied(b, REQUEST, /line 3: .*quote[\s\S]*line 4: 'ca'/)
    const p = await owner.import('incomplete', INCOMPLETE_PROFILE)
    assert.equal(ok(await owner.get(p, 'valid')), false)
    denied(
      await owner.call(p, 'Validate'),
      GDBUSPP,
      'GDBus.Error:net.openvpn.gdbuspp: Configuration profile is missing required options: --ca, --remote'
    )
    denied(await owner.call(p, 'Seal'), GDBUSPP, /Configuration is not currently valid/)
    ok(await owner.call(p, 'Remove'))
  })

  void test('properties: owner reads all, second UID only owner; writes are owner-only', async () => {
    const p = await owner.import('props', profile)
    const all = ok(await owner.request({ op: 'getall', path: p })) as Record<
      string,
      { sig: string; value: unknown }
    >
    for (const name of [
      'acl',
      'dco',
      'import_timestamp',
      'last_used_timestamp',
      'locked_down',
      'name',
      'overrides',
      'owner',
      'persistent',
      'public_access',
      'readonly',
      'single_use',
      'tags',
      'transfer_owner_session',
      'used_count',
      'valid',
    ])
      assert.ok(name in all, `GetAll lacks ${name}`)
    assert.equal(all.name?.value, 'props')
    assert.equal(all.owner?.value, env.users.test.uid)
    assert.equal(all.valid?.value, true)
    assert.equal(all.import_timestamp?.sig, 't')
    assert.ok(Math.abs(Number(all.import_timestamp?.value) - Date.now() / 1000) < 60)
    // second UID: owner is public, everything else denied; GetAll leaves denied ones out
    assert.equal(ok(await other.get(p, 'owner')), env.users.test.uid)
    for (const prop of ['name', 'acl', 'public_access', 'overrides', 'valid'])
      denied(
        await other.get(p, prop),
        ACCESS_DENIED,
        'Access to the configuration profile is denied.'
      )
    assert.deepEqual(Object.keys(ok(await other.request({ op: 'getall', path: p })) as object), [
      'owner',
    ])
    // writes
    ok(await owner.set(p, 'name', 's', 'props\u0007-renamed'))
    assert.equal(ok(await owner.get(p, 'name')), 'props-renamed')
    for (const [prop, type, value] of [
      ['name', 's', 'x'],
      ['locked_down', 'b', true],
      ['public_access', 'b', true],
      ['dco', 'b', true],
      ['transfer_owner_session', 'b', true],
    ] as const)
      denied(
        await other.set(p, prop, type, value),
        ACCESS_DENIED,
        'Configuration can only be modified by the profile owner'
      )
    ok(await owner.set(p, 'dco', 'b', true))
    ok(await owner.set(p, 'transfer_owner_session', 'b', true))
    assert.equal(ok(await owner.get(p, 'dco')), true)
    // read-only properties cannot be set, wrong variant type refused
    denied(await owner.set(p, 'owner', 'u', 0), 'org.freedesktop.DBus.Error.InvalidArgs')
    denied(await owner.set(p, 'dco', 's', 'yes'), 'org.freedesktop.DBus.Error.InvalidArgs')
  })

  void test('methods: second UID is denied everything with the upstream error', async () => {
    const p = await owner.import('denied', profile)
    for (const [m, sig, body] of [
      ['Validate', '', []],
      ['Fetch', '', []],
      ['FetchJSON', '', []],
      ['SetOption', 'ss', ['a', 'b']],
      ['SetOverride', 'sv', ['persist-tun', { $variant: ['b', true] }]],
      ['UnsetOverride', 's', ['persist-tun']],
      ['AddTag', 's', ['t']],
      ['RemoveTag', 's', ['t']],
      ['AccessGrant', 'u', [1]],
      ['AccessRevoke', 'u', [1]],
      ['Seal', '', []],
      ['Remove', '', []],
    ] as const)
      denied(await other.call(p, m, sig, [...body]), GDBUSPP, DENIED_TEXT)
    // owner may do all of them
    ok(await owner.call(p, 'Validate'))
    assert.match(String(ok(await owner.call(p, 'Fetch'))), /^client\n/m)
    const json = JSON.parse(String(ok(await owner.call(p, 'FetchJSON')))) as Record<string, unknown>
    assert.deepEqual(json.remote, [['192.0.2.1', '1194', 'udp']])
    assert.ok(typeof (json.ca as string[])[0] === 'string')
    ok(await owner.call(p, 'SetOption', 'ss', ['a', 'b']))
  })

  void test('overrides: every name and type, errors for unknown keys and wrong types', async () => {
    const p = await owner.import('overrides', profile)
    const { OVERRIDES } = await import('@openvpn3-ts/dbus')
    for (const o of OVERRIDES) {
      const v =
        o.type === 'b' ? { $variant: ['b', true] } : { $variant: ['s', o.values?.[0] ?? 'x'] }
      ok(await owner.call(p, 'SetOverride', 'sv', [o.name, v]))
    }
    const got = ok(await owner.get(p, 'overrides')) as Record<string, { sig: string }>
    assert.equal(Object.keys(got).length, OVERRIDES.length)
    assert.equal(got['persist-tun']?.sig, 'b')
    assert.equal(got['proto-override']?.sig, 's')
    denied(
      await owner.call(p, 'SetOverride', 'sv', ['no-such', { $variant: ['s', 'x'] }]),
      GDBUSPP,
      "GDBus.Error:net.openvpn.gdbuspp: Invalid override key 'no-such'"
    )
    denied(
      await owner.call(p, 'SetOverride', 'sv', ['persist-tun', { $variant: ['s', 'x'] }]),
      GDBUSPP,
      "GDBus.Error:net.openvpn.gdbuspp: (SetOverride) Invalid override data type for 'persist-tun': s"
    )
    denied(
      await owner.call(p, 'SetOverride', 'sv', ['ipv6', { $variant: ['u', 1] }]),
      GDBUSPP,
      'GDBus.Error:net.openvpn.gdbuspp: Unsupported override data type: u'
    )
    ok(await owner.call(p, 'UnsetOverride', 's', ['ipv6']))
    denied(
      await owner.call(p, 'UnsetOverride', 's', ['ipv6']),
      GDBUSPP,
      "GDBus.Error:net.openvpn.gdbuspp: Override 'ipv6' has not been set"
    )
    // the session manager (openvpn user) reads overrides
    assert.equal(
      Object.keys(ok(await openvpn.get(p, 'overrides')) as object).length,
      OVERRIDES.length - 1
    )
  })

  void test('tags and ACL: errors, grants give access, revokes take it back', async () => {
    const p = await owner.import('acl', profile)
    denied(await owner.call(p, 'AddTag', 's', ['']), GDBUSPP, /Tag value cannot be empty/)
    denied(await owner.call(p, 'AddTag', 's', ['x'.repeat(129)]), GDBUSPP, /Tag value too long/)
    ok(await owner.call(p, 'AddTag', 's', ['a']))
    denied(await owner.call(p, 'AddTag', 's', ['a']), GDBUSPP, /Tag already exists/)
    denied(await owner.call(p, 'RemoveTag', 's', ['b']), GDBUSPP, /Non-existing tag/)
    ok(await owner.call(p, 'RemoveTag', 's', ['a']))
    assert.deepEqual(ok(await owner.get(p, 'tags')), [])

    const uid = env.users.nobody.uid
    ok(await owner.call(p, 'AccessGrant', 'u', [uid]))
    denied(await owner.call(p, 'AccessGrant', 'u', [uid]), GDBUSPP, /UID already granted access/)
    assert.deepEqual(ok(await owner.get(p, 'acl')), [uid])
    assert.ok((ok(await other.call(MANAGER, 'FetchAvailableConfigs')) as string[]).includes(p))
    ok(await other.call(p, 'Validate'))
    assert.match(String(ok(await other.call(p, 'Fetch'))), /remote 192\.0\.2\.1/)
    assert.equal(ok(await other.get(p, 'name')), 'acl')
    ok(await other.set(p, 'dco', 'b', true)) // ACL members may set dco / transfer_owner_session
    denied(await other.set(p, 'name', 's', 'mine'), ACCESS_DENIED)
    denied(await other.call(p, 'AccessGrant', 'u', [12345]), GDBUSPP, DENIED_TEXT)
    denied(await other.call(p, 'Remove'), GDBUSPP, DENIED_TEXT)
    // locked down: granted users may no longer Fetch, the openvpn user still may
    ok(await owner.set(p, 'locked_down', 'b', true))
    denied(await other.call(p, 'Fetch'), GDBUSPP, DENIED_TEXT)
    assert.match(String(ok(await openvpn.call(p, 'Fetch'))), /^client/m)
    ok(await owner.set(p, 'locked_down', 'b', false))
    ok(await owner.call(p, 'AccessRevoke', 'u', [uid]))
    denied(await owner.call(p, 'AccessRevoke', 'u', [uid]), GDBUSPP, /UID not granted access/)
    denied(await other.call(p, 'Fetch'), GDBUSPP, DENIED_TEXT)
    // public access: listed, Validate and reads work, Fetch does not (spec §3.3)
    ok(await owner.set(p, 'public_access', 'b', true))
    assert.ok(
      (ok(await other.call(MANAGER, 'LookupConfigName', 's', ['acl'])) as string[]).includes(p)
    )
    ok(await other.call(p, 'Validate'))
    assert.equal(ok(await other.get(p, 'public_access')), true)
    denied(await other.call(p, 'Fetch'), GDBUSPP, DENIED_TEXT)
    denied(await other.call(p, 'FetchJSON'), GDBUSPP, DENIED_TEXT)
  })

  void test('openvpn user fetches; only a backend (be<PID> owner) counts usage and consumes single-use', async () => {
    const p = await owner.import('usage', profile)
    ok(await openvpn.call(p, 'Fetch'))
    assert.equal(ok(await owner.get(p, 'used_count')), 0)
    assert.equal(ok(await owner.get(p, 'last_used_timestamp')), '0')
    const backend = await RemoteClient.start(env.bus, env.users.openvpn)
    try {
      const pid = ok(await backend.request({ op: 'pid' })) as number
      ok(await backend.request({ op: 'own', name: `net.openvpn.v3.backends.be${pid}` }))
      ok(await backend.call(p, 'Fetch'))
      ok(await backend.call(p, 'Fetch'))
      assert.equal(ok(await owner.get(p, 'used_count')), 2)
      assert.ok(Number(ok(await owner.get(p, 'last_used_timestamp'))) > 0)
      const single = await owner.import('once', profile, true, false)
      assert.equal(ok(await owner.get(single, 'single_use')), true)
      ok(await openvpn.call(single, 'Fetch')) // not a backend: stays
      ok(await owner.get(single, 'name'))
      assert.match(String(ok(await backend.call(single, 'Fetch'))), /^client/m)
      await waitFor(() => events.some((e) => e[0] === single && e[1] === 2))
      denied(
        await owner.get(single, 'name'),
        'org.freedesktop.DBus.Error.UnknownObject',
        /Object does not exist at path/
      )
    } finally {
      await backend.stop()
    }
  })

  void test('Seal makes the profile read-only; the owner can still remove it', async () => {
    const p = await owner.import('seal', profile)
    denied(await other.call(p, 'Seal'), GDBUSPP, DENIED_TEXT)
    ok(await owner.call(p, 'Seal'))
    assert.equal(ok(await owner.get(p, 'readonly')), true)
    denied(
      await owner.call(p, 'SetOverride', 'sv', ['persist-tun', { $variant: ['b', true] }]),
      GDBUSPP,
      SEALED_TEXT
    )
    denied(await owner.call(p, 'AddTag', 's', ['x']), GDBUSPP, SEALED_TEXT)
    denied(await owner.call(p, 'AccessGrant', 'u', [5]), GDBUSPP, SEALED_TEXT)
    denied(
      await owner.set(p, 'name', 's', 'x'),
      ACCESS_DENIED,
      'Configuration profile is sealed and read-only'
    )
    ok(await owner.call(p, 'Fetch'))
    ok(await owner.call(p, 'Remove'))
    await waitFor(() => events.some((e) => e[0] === p && e[1] === 2 && e[2] === env.users.test.uid))
    assert.deepEqual(ok(await owner.call(MANAGER, 'LookupConfigName', 's', ['seal'])), [])
  })

  void test('TransferOwnership: root only (bus policy), owner changes', async () => {
    const p = await owner.import('transfer', profile)
    denied(
      await owner.call(MANAGER, 'TransferOwnership', 'ou', [p, env.users.nobody.uid]),
      ACCESS_DENIED
    )
    ok(await root.call(MANAGER, 'TransferOwnership', 'ou', [p, env.users.nobody.uid]))
    assert.equal(ok(await other.get(p, 'owner')), env.users.nobody.uid)
    assert.equal(ok(await other.get(p, 'name')), 'transfer')
    denied(await owner.get(p, 'name'), ACCESS_DENIED)
    ok(await other.call(p, 'Remove'))
  })

  void test('bad calls: unknown object, wrong signature; the service keeps running', async () => {
    denied(
      await owner.call(`${MANAGER}/00000000x0000x0000x0000x000000000000`, 'Fetch'),
      'org.freedesktop.DBus.Error.UnknownObject'
    )
    denied(
      await owner.call(MANAGER, 'Import', 'sbbs', ['a', true, false, 'x']),
      'org.freedesktop.DBus.Error.InvalidArgs'
    )
    denied(
      await owner.call(MANAGER, 'LookupConfigName', 'u', [5]),
      'org.freedesktop.DBus.Error.InvalidArgs'
    )
    assert.match(String(ok(await owner.get(MANAGER, 'version'))), /^v/)
  })
})

async function waitFor(pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!pred()) {
    if (Date.now() > end) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 25))
  }
}
