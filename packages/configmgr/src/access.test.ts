/** The §3.3 authorisation matrix as a table: every request kind for owner, ACL member, public, openvpn, root, stranger. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { AccessDeniedError, type AccessRequest } from '@openvpn3-ts/dbus'
import { TEXT_DENIED, TEXT_OWNER_ONLY, TEXT_SEALED, authorizeConfig, isListed } from './access.js'
import type { ConfigState } from './state.js'

const OWNER = 1000
const GRANTED = 1001
const STRANGER = 1002
const OPENVPN = 999
const ROOT = 0

function state(over: Partial<ConfigState> = {}): ConfigState {
  return {
    path: '/net/openvpn/v3/configuration/x',
    name: 'n',
    owner: OWNER,
    acl: [GRANTED],
    publicAccess: false,
    lockedDown: false,
    transferOwnerSession: false,
    persistent: false,
    readonly: false,
    singleUse: false,
    valid: true,
    invalidReason: null,
    dco: false,
    overrides: new Map(),
    tags: [],
    importTimestamp: 0n,
    lastUsedTimestamp: 0n,
    usedCount: 0,
    options: [],
    ...over,
  }
}

/** '' = allowed, else the rejection text */
function check(req: AccessRequest, uid: number, s: ConfigState): string {
  try {
    authorizeConfig(req, uid, s, OPENVPN)
    return ''
  } catch (err) {
    assert.ok(err instanceof AccessDeniedError)
    return err.text
  }
}

const m = (member: string): AccessRequest => ({ kind: 'method', member })
const get = (property: string): AccessRequest => ({ kind: 'get', property })
const set = (property: string): AccessRequest => ({ kind: 'set', property, value: true })

void test('methods', () => {
  const s = state()
  const D = TEXT_DENIED
  //               owner granted stranger openvpn root
  const rows: [string, string[]][] = [
    ['Fetch', ['', '', D, '', D]],
    ['FetchJSON', ['', '', D, '', D]],
    ['Validate', ['', '', D, D, D]],
    ['SetOverride', ['', D, D, D, D]],
    ['AccessGrant', ['', D, D, D, D]],
    ['AddTag', ['', D, D, D, D]],
    ['Seal', ['', D, D, D, D]],
    ['Remove', ['', D, D, D, D]],
  ]
  for (const [member, want] of rows) {
    const got = [OWNER, GRANTED, STRANGER, OPENVPN, ROOT].map((u) => check(m(member), u, s))
    assert.deepEqual(got, want, member)
  }
  // public: listed and Validate, but no Fetch
  const pub = state({ publicAccess: true })
  assert.equal(check(m('Validate'), STRANGER, pub), '')
  assert.equal(check(m('Fetch'), STRANGER, pub), D)
  assert.ok(isListed(STRANGER, pub))
  assert.ok(!isListed(STRANGER, s) && !isListed(ROOT, s) && isListed(GRANTED, s))
  // locked down: only owner and openvpn fetch
  const locked = state({ lockedDown: true })
  assert.deepEqual(
    [OWNER, GRANTED, OPENVPN].map((u) => check(m('Fetch'), u, locked)),
    ['', D, '']
  )
  // sealed: write methods say so, even for the owner; Remove still works
  const sealed = state({ readonly: true })
  assert.equal(check(m('SetOverride'), OWNER, sealed), TEXT_SEALED)
  assert.equal(check(m('AccessRevoke'), STRANGER, sealed), TEXT_SEALED)
  assert.equal(check(m('Remove'), OWNER, sealed), '')
})

void test('properties', () => {
  const s = state()
  assert.equal(check(get('owner'), STRANGER, s), '')
  assert.equal(check(get('name'), OPENVPN, s), '')
  assert.equal(check(get('overrides'), OPENVPN, s), '')
  assert.equal(check(get('acl'), OPENVPN, s), TEXT_DENIED)
  assert.equal(check(get('public_access'), GRANTED, s), '')
  assert.equal(check(get('name'), STRANGER, s), TEXT_DENIED)
  assert.equal(check(get('name'), STRANGER, state({ publicAccess: true })), '')
  assert.equal(check(set('name'), OWNER, s), '')
  assert.equal(check(set('name'), GRANTED, s), TEXT_OWNER_ONLY)
  assert.equal(check(set('public_access'), GRANTED, s), TEXT_OWNER_ONLY)
  assert.equal(check(set('dco'), GRANTED, s), '')
  assert.equal(check(set('transfer_owner_session'), STRANGER, s), TEXT_OWNER_ONLY)
  assert.equal(check(set('dco'), OWNER, state({ readonly: true })), TEXT_SEALED)
})
