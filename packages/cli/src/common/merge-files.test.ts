/** Inlining referenced files keeps the user's line numbers and refuses unreadable files. */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { mergeReferencedFiles } from './merge-files.js'

void test('ca/cert/tls-auth files become blocks at the end; other lines stay where they were', () => {
  const dir = mkdtempSync(join(tmpdir(), 'merge-'))
  try {
    writeFileSync(join(dir, 'ca.crt'), 'CA\n')
    writeFileSync(join(dir, 'ta key'), 'TA\n')
    const text = 'client\nca ca.crt\ntls-auth "ta key" 1\nremote 192.0.2.1\n<cert>\nC\n</cert>\n'
    const merged = mergeReferencedFiles(text, join(dir, 'x.ovpn'))
    const lines = merged.split('\n')
    assert.equal(lines[0], 'client')
    assert.equal(lines[1], '')
    assert.equal(lines[2], '')
    assert.equal(lines[3], 'remote 192.0.2.1')
    assert.match(
      merged,
      /<\/cert>\n<ca>\nCA\n<\/ca>\nkey-direction 1\n<tls-auth>\nTA\n<\/tls-auth>\n$/
    )
    assert.throws(
      () => mergeReferencedFiles('ca missing.crt\n', join(dir, 'x.ovpn')),
      /Could not read 'missing\.crt'/
    )
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})
