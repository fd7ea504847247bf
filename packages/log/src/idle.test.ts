/**
 * Idle exit (spec §1.7): with `--idle-exit MIN` the log service stays while anything is
 * attached and exits by itself (code 0) once nothing has been attached for MIN minutes.
 * Also the command line / settings-file merge of options.ts.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BusName,
  DBusConnection,
  InterfaceName,
  ObjectPath,
  logServiceInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import { startBus, startProcess } from '@openvpn3-ts/testkit'
import type { TestBus } from '@openvpn3-ts/testkit'
import { LogMethod } from './constants.js'
import { LogConfigError } from './errors.js'
import { parseOptions } from './options.js'

void describe('log service options', () => {
  void test('settings file merged under the command line; exclusive methods refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ovpn3-logopt-'))
    try {
      writeFileSync(
        join(dir, 'log-service.json'),
        JSON.stringify({ log_level: 5, timestamp: true, journald: true, no_logtag_prefix: true })
      )
      const o = parseOptions(['--state-dir', dir])
      assert.equal(o.logLevel, 5)
      assert.equal(o.timestamp, true)
      assert.equal(o.method, LogMethod.journald)
      assert.equal(o.logtagPrefix, false)
      assert.equal(o.configFile, join(dir, 'log-service.json'))
      const o2 = parseOptions(['--state-dir', dir, '--log-level', '2', '--log-file', '/tmp/x'])
      assert.equal(o2.logLevel, 2)
      assert.equal(o2.method, LogMethod.logfile)
      assert.equal(parseOptions([]).logLevel, 3)
      assert.equal(parseOptions([]).method, LogMethod.stdout)
      assert.throws(() => parseOptions(['--journald', '--log-file', 'x']), LogConfigError)
      assert.throws(() => parseOptions(['--journald', '--colour']), LogConfigError)
      assert.equal(parseOptions(['--syslog']).method, LogMethod.syslog)
      assert.equal(parseOptions(['--syslog']).syslogFacility, 'LOG_DAEMON')
      assert.throws(
        () => parseOptions(['--syslog', '--syslog-facility', 'LOG_KERN']),
        LogConfigError
      )
      assert.throws(() => parseOptions(['--syslog', '--colour']), LogConfigError)
      assert.throws(() => parseOptions(['--log-level', '7']), LogConfigError)
      assert.throws(() => parseOptions(['--bogus']), LogConfigError)
      writeFileSync(join(dir, 'log-service.json'), JSON.stringify({ log_level: 'x', foo: 1 }))
      assert.throws(
        () => parseOptions(['--state-dir', dir]),
        /log_level[\s\S]*foo|foo[\s\S]*log_level/
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

void describe('log service idle exit', { timeout: 60_000 }, () => {
  let bus: TestBus
  before(async () => {
    bus = await startBus()
  })
  after(async () => {
    await bus?.stop()
  })

  void test('stays while attached, exits once idle with nothing attached', async () => {
    const svc = await startProcess({
      entry: 'packages/log/src/main.ts',
      args: ['--idle-exit', '0.05', '--log-level', '6'], // 3 s
      bus,
      waitForName: BusName.log,
      name: 'log service',
    })
    const conn = await DBusConnection.connect({ address: bus.address })
    try {
      const log = proxy(conn, BusName.log, ObjectPath.log, logServiceInterface)
      await log.Attach(InterfaceName.configuration)
      await new Promise((r) => setTimeout(r, 5000))
      assert.equal(svc.child.exitCode, null, 'still running while attached')
      assert.equal(await log.$get('num_attached'), 1)
      await log.Detach(InterfaceName.configuration)
      const t0 = Date.now()
      const { code } = await svc.waitForExit(15_000)
      assert.equal(code, 0)
      const waited = Date.now() - t0
      assert.ok(waited >= 2500, `exited after ${waited} ms`)
      assert.match(svc.output(), /Shutting down: idle exit/)
    } finally {
      await conn.close()
      await svc.stop()
    }
  })
})
