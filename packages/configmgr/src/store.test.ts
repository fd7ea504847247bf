/** The persistent store on a real directory: round trip, atomic replace, temp-file cleanup, modes, bad files. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseOptionList } from '@openvpn3-ts/protocol/profile'
import { ProfileStore } from './store.js'
import type { ConfigState } from './state.js'

const ID = '11111111x2222x4333x8444x555555555555'

function state(): ConfigState {
  return {
    path: `/net/openvpn/v3/configuration/${ID}`,
    name: 'round trip',
    owner: 1000,
    acl: [5, 6],
    publicAccess: true,
    lockedDown: true,
    transferOwnerSession: true,
    persistent: true,
    readonly: false,
    singleUse: false,
    valid: false,
    invalidReason: null,
    dco: true,
    overrides: new Map<string, string | boolean>([
      ['persist-tun', true],
      ['proto-override', 'tcp'],
    ]),
    tags: ['a', 'b'],
    importTimestamp: 1_700_000_000n,
    lastUsedTimestamp: 1_700_000_100n,
    usedCount: 7,
    options: parseOptionList(
      'client\ndev tun\nremote 192.0.2.1 1194\nroute 10.0.0.0 255.0.0.0\nroute 10.1.0.0 255.255.0.0\n'
    ).options,
  }
}

void test('save/load round trip, file mode, temp files cleaned, bad files reported', () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'store-')), 'configs')
  try {
    const store = new ProfileStore(dir)
    store.ensureDir()
    assert.equal(statSync(dir).mode & 0o777, 0o700)
    const s = state()
    store.save(s)
    s.usedCount = 8
    store.save(s) // atomic replace
    writeFileSync(join(dir, `${ID}.json.deadbeef.tmp`), '{"half')
    writeFileSync(join(dir, '22222222x2222x4333x8444x555555555555.json'), '[]')
    const r = store.load()
    assert.equal(r.configs.length, 1)
    assert.equal(r.problems.length, 1)
    assert.match(r.problems[0]?.reason ?? '', /expected object/)
    const back = r.configs[0] as ConfigState
    const want = state()
    want.usedCount = 8
    assert.deepEqual(
      {
        ...back,
        options: back.options.map((o) => [o.name, o.args]),
        invalidReason: null,
        valid: false,
      },
      {
        ...want,
        options: want.options.map((o) => [o.name, o.args]),
      }
    )
    assert.deepEqual(back.options.filter((o) => o.name === 'route').length, 2)
    assert.deepEqual(readdirSync(dir).sort(), [
      `${ID}.json`,
      '22222222x2222x4333x8444x555555555555.json',
    ])
    assert.equal(statSync(join(dir, `${ID}.json`)).mode & 0o777, 0o600)
    store.remove(s.path)
    store.remove(s.path) // idempotent
    assert.equal(new ProfileStore(join(dir, 'missing')).load().configs.length, 0)
  } finally {
    rmSync(join(dir, '..'), { recursive: true, force: true })
  }
})
