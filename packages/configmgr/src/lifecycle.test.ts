/**
 * Idle exit and activation (spec dbus-api.md §1.7, §14.1): the service exits after the idle
 * time when only persistent profiles are in memory, stays while a memory-only profile exists,
 * and the bus daemon starts it again on the next call (activation file), with the persistent
 * profiles back. Started as root by the daemon, it drops to the openvpn user.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, delay, startBus, type TestBus } from '@openvpn3-ts/testkit'
import {
  MANAGER,
  RemoteClient,
  startServiceEnv,
  type Reply,
  type ServiceEnv,
} from './testing/harness.js'
import { validProfile } from './testing/profiles.js'

function ok(r: Reply): unknown {
  assert.equal(r.ok, true, `expected success, got ${r.errorName}: ${r.message}`)
  return r.value
}

void describe('configmgr idle exit', { timeout: 120_000 }, () => {
  let env: ServiceEnv
  let owner: RemoteClient
  before(async () => {
    env = await startServiceEnv()
    owner = await RemoteClient.start(env.bus, env.users.test)
  })
  after(async () => {
    await owner?.stop()
    await env?.close()
  })

  void test('a memory-only profile keeps the service; with only persistent ones it exits', async () => {
    // --idle-exit is in minutes: 0.03 = 1.8 s
    const svc = await env.startService(['--idle-exit', '0.03'])
    const keep = await owner.import('disk', await validProfile(), false, true)
    const mem = await owner.import('memory', await validProfile(), false, false)
    await delay(4000)
    assert.equal(svc.exited, false, 'a memory-only profile keeps the service alive')
    ok(await owner.call(mem, 'Remove'))
    const t0 = Date.now()
    const { code } = await svc.waitForExit(15_000)
    assert.equal(code, 0)
    assert.ok(Date.now() - t0 >= 1500, 'waited for the idle time')
    assert.match(svc.output(), /Idle, exiting/)
    env.service = undefined
    const again = await env.startService()
    assert.deepEqual(ok(await owner.call(MANAGER, 'FetchAvailableConfigs')), [keep])
    await again.stop()
    env.service = undefined
  })
})

void describe('configmgr bus activation', { timeout: 120_000 }, () => {
  let bus: TestBus
  let dir: string
  let owner: RemoteClient
  const isRoot = process.getuid?.() === 0
  before(async () => {
    if (!isRoot) return
    dir = mkdtempSync(join(tmpdir(), 'cfgmgr-activation-'))
    chmodSync(dir, 0o755)
    const services = join(dir, 'services')
    const state = join(dir, 'state', 'configs')
    const launcher = join(dir, 'openvpn3-service-configmgr')
    writeFileSync(
      launcher,
      `#!/bin/sh\ncd '${REPO_ROOT}'\nexec '${process.execPath}' --conditions=source --import tsx packages/configmgr/src/main.ts --state-dir '${state}' --idle-exit 0.03\n`,
      { mode: 0o755 }
    )
    const { mkdirSync } = await import('node:fs')
    mkdirSync(services)
    writeFileSync(
      join(services, 'net.openvpn.v3.configuration.service'),
      `[D-BUS Service]\nName=net.openvpn.v3.configuration\nUser=openvpn\nExec=${launcher}\n`
    )
    bus = await startBus({ serviceDirs: [services] })
    const { testUsers } = await import('@openvpn3-ts/testkit')
    owner = await RemoteClient.start(bus, testUsers().test)
  })
  after(async () => {
    await owner?.stop()
    await bus?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  void test('started on demand, exits when idle, comes back with its profiles', async (t) => {
    if (!isRoot)
      return t.skip('needs root: the daemon starts the service as root, it drops to openvpn')
    const p = await owner.import('activated', await validProfile(), false, true)
    const st = statSync(join(dir, 'state', 'configs'))
    assert.equal(
      st.uid,
      (await import('@openvpn3-ts/testkit')).testUsers().openvpn.uid,
      'dropped root'
    )
    await bus.waitForName('net.openvpn.v3.configuration', { owned: false, timeoutMs: 20_000 })
    // the next call starts it again
    assert.deepEqual(ok(await owner.call(MANAGER, 'LookupConfigName', 's', ['activated'])), [p])
    assert.equal(ok(await owner.get(p, 'persistent')), true)
    ok(await owner.call(p, 'Remove'))
    await bus.waitForName('net.openvpn.v3.configuration', { owned: false, timeoutMs: 20_000 })
  })
})
