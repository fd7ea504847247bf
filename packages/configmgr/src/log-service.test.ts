/**
 * The configuration manager's log lines reach the real log service (spec dbus-api.md §1.5 Log
 * unicast to the log service's unique name, §3 configmgr attaches
 * `net.openvpn.v3.configuration`, §8.2 Attach; the log service drops senders that have not
 * attached): the service attaches at start, follows a log service that is restarted under a
 * new unique name, and never logs profile content or keys.
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { BusName } from '@openvpn3-ts/dbus'
import { pkiMaterial, pollUntil, startProcess, type TestProcess } from '@openvpn3-ts/testkit'
import { RemoteClient, startServiceEnv, type ServiceEnv } from './testing/harness.js'
import { validProfile } from './testing/profiles.js'

const LOG_SERVICE = 'packages/log/src/main.ts'

async function startLogService(env: ServiceEnv, name: string): Promise<TestProcess> {
  return startProcess({
    entry: LOG_SERVICE,
    // no --log-file: the log service writes to stdout
    args: ['--log-level', '6', '--idle-exit', '0'],
    bus: env.bus,
    uid: env.users.openvpn.uid,
    gid: env.users.openvpn.gid,
    waitForName: BusName.log,
    name,
    timeoutMs: 20_000,
  })
}

/** Waits until the log service printed a line containing `text`; returns that line. */
async function logged(svc: TestProcess, text: string, timeoutMs = 10_000): Promise<string> {
  return pollUntil(
    `log service line with "${text}"`,
    () =>
      svc
        .stdout()
        .split('\n')
        .find((l) => l.includes(text)),
    { timeoutMs }
  )
}

void describe('configmgr → openvpn3-service-log (real processes)', { timeout: 120_000 }, () => {
  let env: ServiceEnv
  let owner: RemoteClient | undefined
  let logSvc: TestProcess | undefined

  before(async () => {
    env = await startServiceEnv()
  })
  after(async () => {
    await owner?.stop().catch(() => undefined)
    await logSvc?.stop().catch(() => undefined)
    await env?.close()
  })

  void test('Import/Remove lines are logged by the log service, also after it restarts', async () => {
    logSvc = await startLogService(env, 'log service 1')
    await env.startService(['--log-level', '4'])
    owner = await RemoteClient.start(env.bus, env.users.test)
    const profile = await validProfile()

    // attached at start: the start-up line and an Import arrive
    await logged(logSvc, 'Configuration manager ready')
    const p1 = await owner.import('first-profile', profile)
    const line = await logged(logSvc, "Imported configuration 'first-profile'")
    assert.match(line, /Config Manager/, line)
    assert.match(line, /INFO/, line)
    const del = await owner.call(p1, 'Remove')
    assert.ok(del.ok, JSON.stringify(del))
    await logged(logSvc, "Configuration 'first-profile' removed")

    // the log service goes away and comes back under a new unique name: configmgr follows
    // it and attaches again (otherwise the new log service drops its lines)
    await logSvc.stop()
    await env.bus.waitForName(BusName.log, { owned: false, timeoutMs: 10_000 })
    logSvc = await startLogService(env, 'log service 2')
    // (configmgr learns of the new owner from NameOwnerChanged, which may come a moment after
    // waitForName saw it: retry with fresh names until one is logged)
    let n = 0
    await pollUntil(
      'an Import logged by the restarted log service',
      async () => {
        const name = `second-profile-${++n}`
        await owner!.import(name, profile)
        return logged(logSvc!, `Imported configuration '${name}'`, 2000).catch(() => undefined)
      },
      { timeoutMs: 20_000 }
    )
    assert.equal(n, 1, 'the first Import after the restart should already be logged')

    // no profile content (certificates, key) in anything the log service printed
    const pem = await pkiMaterial()
    const out = logSvc.stdout() + env.service!.output()
    for (const secret of [pem.clientKey, pem.clientCert, pem.caCert]) {
      const body = secret.split('\n')[1] ?? ''
      assert.ok(body.length > 20 && !out.includes(body), 'PEM content in the log output')
    }
    assert.ok(!out.includes('BEGIN'), 'PEM markers in the log output')
  })
})
