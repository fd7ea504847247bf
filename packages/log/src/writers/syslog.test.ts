/**
 * Syslog output (syslog-transport.ts): lines reach a syslog unix datagram socket through
 * util-linux `logger`, with the PRI value of the chosen facility and each line's severity.
 * A small Python datagram server stands in for the syslog daemon (Node cannot open one).
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LogCategory, LogGroup } from '@openvpn3-ts/dbus'
import { pollUntil, runCommand, startProcess } from '@openvpn3-ts/testkit'
import type { TestProcess } from '@openvpn3-ts/testkit'
import { LogMethod } from '../constants.js'
import { LogConfigError } from '../errors.js'
import { facilityCode } from './syslog-transport.js'
import { LogWriter } from './writer.js'

const SERVER = `
import os, socket, sys
p = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(p)
os.chmod(p, 0o777)
print("READY", flush=True)
while True:
    d = s.recv(65536)
    print(d.decode("utf-8", "replace").replace("\\n", " "), flush=True)
`

async function haveTools(): Promise<boolean> {
  const a = await runCommand('logger', ['--help'], { timeoutMs: 5000 }).catch(() => undefined)
  const b = await runCommand('python3', ['-c', 'print(1)'], { timeoutMs: 10_000 }).catch(
    () => undefined
  )
  return a?.code === 0 && b?.code === 0
}

void describe('syslog writer', { timeout: 60_000 }, () => {
  let dir: string
  let server: TestProcess | undefined
  let tools = false
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ovpn3-syslog-'))
    tools = await haveTools()
    if (tools) {
      server = await startProcess({
        entry: 'python3',
        args: ['-c', SERVER, join(dir, 'log.sock')],
        waitForLine: /READY/,
        name: 'syslog stand-in',
      })
    }
  })
  after(async () => {
    await server?.stop()
    rmSync(dir, { recursive: true, force: true })
  })

  void test('facility names', () => {
    assert.equal(facilityCode('LOG_DAEMON'), 3)
    assert.equal(facilityCode('local3'), 19)
    assert.throws(() => facilityCode('LOG_KERN'), LogConfigError)
  })

  void test('lines arrive with PRI = facility*8 + severity and the tag', async (t) => {
    if (!tools || !server) return t.skip('logger or python3 missing')
    const w = new LogWriter({
      method: LogMethod.syslog,
      syslog: { facility: 'LOG_LOCAL3', socket: join(dir, 'log.sock'), tag: 'ovpn3-test' },
    })
    w.write(
      { group: LogGroup.NETCFG, category: LogCategory.WARN, message: 'route failed' },
      { timestamp: false, tag: false }
    )
    w.write(
      { group: LogGroup.CLIENT, category: LogCategory.INFO, message: 'connected' },
      { timestamp: false, tag: false }
    )
    await w.close()
    const srv = server
    await pollUntil(
      'two datagrams',
      () => ((srv.stdout().match(/ovpn3-test/g) ?? []).length >= 2 ? true : undefined),
      {
        timeoutMs: 10_000,
      }
    )
    const out = srv.stdout()
    assert.match(out, /<156>.*ovpn3-test.*Network Configuration WARNING: route failed/) // 19*8+4
    assert.match(out, /<157>.*ovpn3-test.*Client INFO: connected/) // 19*8+5 (INFO → notice)
  })
})
