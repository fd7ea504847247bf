/**
 * The single-file CLI bundle (build.ts, load.ts): it builds, loads with its code cache, gives
 * the same output as the modules (help texts, and a real bus call through the bundled dbus
 * code and the external usocket addon), and is refused when a source it was built from
 * changed or OPENVPN3_TS_BUNDLE=0; a bundle that no longer matches its cache runs without it.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startBus, type TestBus } from '@openvpn3-ts/testkit'
import type { Output } from '../framework/output.js'
import { buildBundle, DEFAULT_OUT_DIR } from './build.js'
import * as modules from './entry.js'
import { BUNDLE_FILE, MANIFEST_FILE, loadBundle, type BundleManifest } from './load.js'

function capture(): { out: Output; text: () => string } {
  let text = ''
  const w = (s: string) => void (text += s)
  return {
    out: {
      line: (s = '') => w(s + '\n'),
      error: (s) => w(`E: ${s}\n`),
      json: (v) => w(JSON.stringify(v) + '\n'),
      fields: (rows) => rows.forEach(([k, v]) => w(`${k}: ${v}\n`)),
      separator: () => w('---\n'),
    },
    text: () => text,
  }
}

void describe('CLI bundle', { timeout: 120_000 }, () => {
  // inside packages/cli/dist so the bundle's require('usocket') resolves as in real use
  mkdirSync(DEFAULT_OUT_DIR, { recursive: true })
  const dir = mkdtempSync(join(DEFAULT_OUT_DIR, '..', 'bundle-test-'))
  let bus: TestBus | undefined
  before(async () => {
    const r = await buildBundle(dir)
    assert.ok(r.inputs > 10 && r.cacheBytes > 0 && r.bundleBytes > 0)
  })
  after(async () => {
    await bus?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  void test('loads with its code cache and prints what the modules print', async () => {
    const b = loadBundle(dir)
    assert.ok(b, 'bundle loads')
    assert.equal(b.cacheUsed, true)
    // plain ASCII (load.ts reads it as latin1), though the sources' comments are not
    const bytes = readFileSync(join(dir, BUNDLE_FILE))
    assert.equal(
      bytes.findIndex((x) => x > 0x7f),
      -1
    )
    for (const argv of [['help'], ['session-start', '--help'], ['no-such-command']]) {
      const a = capture()
      const m = capture()
      const codeA = await b.exports.run('openvpn3', b.exports.openvpn3Commands, argv, {
        out: a.out,
      })
      const codeM = await modules.run('openvpn3', modules.openvpn3Commands, argv, { out: m.out })
      assert.equal(codeA, codeM, argv.join(' '))
      assert.equal(a.text(), m.text(), argv.join(' '))
    }
  })

  void test('talks to a real bus through the bundled D-Bus code', async () => {
    bus = await startBus()
    const b = loadBundle(dir)
    assert.ok(b)
    const saved = process.env['DBUS_SYSTEM_BUS_ADDRESS']
    process.env['DBUS_SYSTEM_BUS_ADDRESS'] = bus.address
    try {
      const c = capture()
      const code = await b.exports.run(
        'openvpn3-admin',
        b.exports.adminCommands,
        ['version', '--services'],
        { out: c.out }
      )
      assert.equal(code, 0, c.text())
      assert.match(c.text(), /^OpenVPN 3\/Linux v27 \(openvpn3-ts\)\n\n/)
      assert.match(c.text(), /^ +Session Manager: not running$/m)
      // an unreachable bus: the bundle's errors read like the modules'
      process.env['DBUS_SYSTEM_BUS_ADDRESS'] = `unix:path=${join(dir, 'no-such-socket')}`
      const e = capture()
      const code2 = await b.exports.run('openvpn3', b.exports.openvpn3Commands, ['sessions-list'], {
        out: e.out,
      })
      assert.equal(code2, 1)
      assert.match(
        e.text(),
        /^E: openvpn3\/sessions-list: Could not connect to the D-Bus system bus/
      )
    } finally {
      if (saved === undefined) delete process.env['DBUS_SYSTEM_BUS_ADDRESS']
      else process.env['DBUS_SYSTEM_BUS_ADDRESS'] = saved
    }
  })

  void test('a changed source makes the bundle unusable; a changed bundle drops the cache', () => {
    const mfile = join(dir, MANIFEST_FILE)
    const original = readFileSync(mfile, 'utf8')
    try {
      const m = JSON.parse(original) as BundleManifest
      const first = m.inputs[0]
      assert.ok(first)
      const changed: BundleManifest = {
        ...m,
        inputs: [[first[0], first[1] + 1, first[2]], ...m.inputs.slice(1)],
      }
      writeFileSync(mfile, JSON.stringify(changed))
      assert.equal(loadBundle(dir), undefined)
    } finally {
      writeFileSync(mfile, original)
    }
    assert.ok(loadBundle(dir)?.cacheUsed)
    const later = new Date(Date.now() + 60_000)
    utimesSync(join(dir, BUNDLE_FILE), later, later)
    const b = loadBundle(dir)
    assert.ok(b)
    assert.equal(b.cacheUsed, false)
  })

  void test('OPENVPN3_TS_BUNDLE=0 turns it off', () => {
    process.env['OPENVPN3_TS_BUNDLE'] = '0'
    try {
      assert.equal(loadBundle(dir), undefined)
    } finally {
      delete process.env['OPENVPN3_TS_BUNDLE']
    }
  })

  void test('a damaged bundle is not used (runs last: it spoils the bundle)', () => {
    const file = join(dir, BUNDLE_FILE)
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 5000))
    assert.equal(loadBundle(dir), undefined)
  })
})
