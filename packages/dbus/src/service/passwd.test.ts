/**
 * The passwd reader behind lookupUid/lookupUserName (acl.ts) and lookupServiceUser (user.ts):
 * well-formed lines only, first match wins, an unreadable file is reported, not thrown.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findPasswdEntry, readPasswd } from './passwd.js'

void test('readPasswd keeps well-formed lines; findPasswdEntry returns the first match', () => {
  const dir = mkdtempSync(join(tmpdir(), 'passwd-test-'))
  try {
    const f = join(dir, 'passwd')
    writeFileSync(
      f,
      [
        'root:x:0:0:root:/root:/bin/bash',
        'broken:x:notanumber:5::/:/bin/false',
        'nogid:x:77::x:/:/bin/false',
        ':x:5:5::/:/bin/false',
        'openvpn:x:999:998::/nonexistent:/usr/sbin/nologin',
        'openvpn:x:1999:1998::/dup:/bin/false',
        '',
      ].join('\n')
    )
    assert.deepEqual(readPasswd(f), [
      { name: 'root', uid: 0, gid: 0 },
      { name: 'openvpn', uid: 999, gid: 998 },
      { name: 'openvpn', uid: 1999, gid: 1998 },
    ])
    assert.deepEqual(
      findPasswdEntry((e) => e.name === 'openvpn', f),
      { name: 'openvpn', uid: 999, gid: 998 }
    )
    assert.equal(
      findPasswdEntry((e) => e.name === 'broken', f),
      undefined
    )
    const missing = readPasswd(join(dir, 'missing'))
    assert.ok(!Array.isArray(missing))
    assert.equal((missing.error as NodeJS.ErrnoException).code, 'ENOENT')
    assert.equal(
      findPasswdEntry(() => true, join(dir, 'missing')),
      undefined
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
