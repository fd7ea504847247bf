/**
 * `Log` signals (spec dbus-api.md §1.5, §2.11): unicast to whoever owns `net.openvpn.v3.log`
 * (followed across owner changes), group CONFIGMGR, from the manager or the object's path;
 * no profile content in them.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { BusName, DBusConnection, LogCategory, LogGroup, requestName } from '@openvpn3-ts/dbus'
import { MANAGER, RemoteClient, startServiceEnv, type ServiceEnv } from './testing/harness.js'
import { SCRIPT_PROFILE, validProfile } from './testing/profiles.js'

interface LogLine {
  path: string
  group: number
  level: number
  message: string
  destination: string | undefined
}

void describe('configmgr Log signals', { timeout: 120_000 }, () => {
  let env: ServiceEnv
  let owner: RemoteClient
  let logSvc: DBusConnection
  const lines: LogLine[] = []

  before(async () => {
    env = await startServiceEnv()
    logSvc = await DBusConnection.connect({ address: env.bus.address })
    await logSvc.signals.subscribe(
      { interface: 'net.openvpn.v3.configuration', member: 'Log' },
      (msg) => {
        lines.push({
          path: msg.path ?? '',
          group: Number(msg.body[0]),
          level: Number(msg.body[1]),
          message: String(msg.body[2]),
          destination: msg.destination ?? undefined,
        })
      }
    )
    await env.startService()
    // become the log service after the configuration manager started: it must follow the owner
    await requestName(logSvc, BusName.log)
    owner = await RemoteClient.start(env.bus, env.users.test)
  })
  after(async () => {
    await owner?.stop()
    await logSvc?.close()
    await env?.close()
  })

  void test('imports, refusals and removals are logged to the log service only', async () => {
    const profile = await validProfile()
    const p = await owner.import('logged', profile)
    await owner.call(MANAGER, 'Import', 'ssbb', ['evil', SCRIPT_PROFILE, false, false])
    await owner.call(p, 'Remove')
    const end = Date.now() + 5000
    while (lines.filter((l) => l.group === LogGroup.CONFIGMGR).length < 3 && Date.now() < end)
      await new Promise((r) => setTimeout(r, 25))
    const imported = lines.find((l) => l.message.includes("Imported configuration 'logged'"))
    assert.ok(imported, JSON.stringify(lines))
    assert.equal(imported.path, p)
    assert.equal(imported.group, LogGroup.CONFIGMGR)
    assert.equal(imported.level, LogCategory.INFO)
    assert.equal(imported.destination, logSvc.uniqueName)
    const refused = lines.find((l) => l.message.includes('Import refused'))
    assert.equal(refused?.level, LogCategory.WARN)
    assert.equal(refused?.path, MANAGER)
    assert.ok(lines.some((l) => l.path === p && l.message.includes('removed')))
    // no profile content ever goes to the log
    assert.ok(!lines.some((l) => l.message.includes('BEGIN') || l.message.includes('192.0.2.1')))
  })
})
