/**
 * ACL helpers against the rules of spec §3.3 / §4.3.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AccessDeniedError,
  grant,
  hasAccess,
  lookupUid,
  lookupUserName,
  requireAccess,
  revoke,
} from './acl.js'

const cfg = { owner: 1000, acl: [1001], publicAccess: false }
const OPENVPN = 999

void describe('ACL helpers', () => {
  void test('owner and granted UIDs pass; others do not', () => {
    assert.equal(hasAccess(1000, cfg), true)
    assert.equal(hasAccess(1001, cfg), true)
    assert.equal(hasAccess(1002, cfg), false)
    assert.equal(hasAccess(0, cfg), false, 'root gets no special visibility by default (§3.4)')
  })
  void test('public access only when allowed for the operation', () => {
    const pub = { ...cfg, publicAccess: true }
    assert.equal(hasAccess(1002, pub), false, 'e.g. Fetch: public_access does not grant it (§3.3)')
    assert.equal(hasAccess(1002, pub, { allowPublic: true }), true)
  })
  void test('root and extra UIDs (the openvpn user)', () => {
    assert.equal(hasAccess(0, cfg, { allowRoot: true }), true)
    assert.equal(hasAccess(OPENVPN, cfg, { extraUids: [OPENVPN] }), true)
    assert.equal(hasAccess(OPENVPN, cfg, { extraUids: [undefined] }), false)
  })
  void test('ownerOnly ignores the ACL (AccessGrant/Revoke, Seal, Remove)', () => {
    assert.equal(hasAccess(1001, cfg, { ownerOnly: true }), false)
    assert.equal(hasAccess(1000, cfg, { ownerOnly: true }), true)
    assert.equal(hasAccess(OPENVPN, cfg, { ownerOnly: true, extraUids: [OPENVPN] }), true)
  })
  void test('requireAccess throws AccessDeniedError with the rejection text', () => {
    assert.throws(
      () => requireAccess(5, cfg, { text: 'Access to the configuration profile is denied.' }),
      (e: unknown) =>
        e instanceof AccessDeniedError &&
        e.text === 'Access to the configuration profile is denied.'
    )
    assert.doesNotThrow(() => requireAccess(1000, cfg))
  })
  void test('grant/revoke report duplicates and absences', () => {
    const acl = [1]
    assert.equal(grant(acl, 2), true)
    assert.equal(grant(acl, 2), false)
    assert.equal(revoke(acl, 1), true)
    assert.equal(revoke(acl, 1), false)
    assert.deepEqual(acl, [2])
  })
  void test('passwd lookups', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovpn3ts-acl-'))
    try {
      const f = join(dir, 'passwd')
      writeFileSync(
        f,
        'root:x:0:0::/root:/bin/sh\nopenvpn:x:999:995::/nonexistent:/usr/sbin/nologin\n'
      )
      assert.equal(lookupUid('openvpn', f), 999)
      assert.equal(lookupUid('nobody', f), undefined)
      assert.equal(lookupUserName(0, f), 'root')
      assert.equal(lookupUid('x', join(dir, 'missing')), undefined)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
