/**
 * LogWriter formats (writer.ts): journal-friendly `<N>` priority prefixes for `--journald`,
 * plain lines for `stdout:`, time stamps and log tags, colour; log tags (logtag.ts).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { PassThrough } from 'node:stream'
import { LogCategory, LogGroup } from '@openvpn3-ts/dbus'
import { LogMethod } from '../constants.js'
import { makeLogTag, tagHash } from '../logtag.js'
import { LogWriter } from './writer.js'

async function capture(method: LogMethod, colour = false): Promise<string> {
  const stream = new PassThrough()
  let text = ''
  stream.on('data', (d: Buffer) => (text += d.toString()))
  const w = new LogWriter({ method, stream, colour })
  const ev = { group: LogGroup.NETCFG, category: LogCategory.WARN, message: 'route failed' }
  w.write({ ...ev, tag: '{tag:1}' }, { timestamp: false, tag: true })
  w.write(
    { ...ev, category: LogCategory.DEBUG, sessionToken: 'tok' },
    { timestamp: true, tag: false }
  )
  await w.close()
  return text
}

void describe('LogWriter', () => {
  void test('journald: sd-daemon priority prefix first', async () => {
    const lines = (await capture(LogMethod.journald)).trimEnd().split('\n')
    assert.equal(lines[0], '<4>{tag:1} Network Configuration WARNING: route failed')
    assert.match(
      lines[1] ?? '',
      /^<7>\d{4}-\d\d-\d\dT\S+ Network Configuration DEBUG: route failed \{session:tok\}$/
    )
  })

  void test('stdout: plain lines; colour wraps them in ANSI codes', async () => {
    const plain = await capture(LogMethod.stdout)
    assert.match(plain, /^\{tag:1\} Network Configuration WARNING: route failed$/m)
    assert.doesNotMatch(plain, /^</m)
    const coloured = await capture(LogMethod.stdout, true)
    assert.ok(
      coloured.includes('\x1b[33m{tag:1} Network Configuration WARNING: route failed\x1b[0m'),
      coloured
    )
  })
})

void describe('log tags', () => {
  void test('[busname/interface] hashed to a stable decimal', () => {
    const t = makeLogTag(':1.42', 'net.openvpn.v3.netcfg')
    assert.equal(t.text, '[:1.42/net.openvpn.v3.netcfg]')
    assert.match(t.hash, /^\d+$/)
    assert.equal(t.display, `{tag:${t.hash}}`)
    assert.equal(tagHash('a'), '12638187200555641996') // FNV-1a 64 test vector
    assert.notEqual(makeLogTag(':1.43', 'net.openvpn.v3.netcfg').hash, t.hash)
  })
})
