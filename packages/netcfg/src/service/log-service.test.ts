/**
 * netcfg's log lines reach the real log service (spec §1.5 Log unicast to the log service's
 * unique name, §7.1 netcfg attaches `net.openvpn.v3.netcfg`, §8.2 Attach; the log service
 * drops senders that have not attached). netcfg runs as a real process inside a throw-away
 * network namespace on a private bus, the log service (packages/log) as the openvpn user
 * printing to stdout. Checked: lines of a CreateVirtualInterface arrive with group NETCFG,
 * netcfg follows a log service restarted under a new unique name, and `--log-file` still gets
 * the local copy.
 */
import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  BusName,
  DBusConnection,
  ObjectPath,
  netcfgDeviceInterface,
  netcfgManagerInterface,
  proxy,
  type Proxy,
} from '@openvpn3-ts/dbus'
import {
  pollUntil,
  startBus,
  startProcess,
  testUsers,
  type TestBus,
  type TestProcess,
} from '@openvpn3-ts/testkit'
import { TestNetns, canUseNetns, uniqueSuffix } from '../testing/netns.js'

const skip = canUseNetns() ? false : 'needs root for network namespaces'
const MAIN = 'packages/netcfg/src/main.ts'
const LOG_SERVICE = 'packages/log/src/main.ts'

// The generated policy may not exist yet; this one lets netcfg own its name.
const EXTRA_POLICY = `
  <policy context="default">
    <allow own="net.openvpn.v3.netcfg"/>
    <allow send_destination="net.openvpn.v3.netcfg"/>
  </policy>`

async function startLogService(bus: TestBus, name: string): Promise<TestProcess> {
  const { openvpn } = testUsers()
  return startProcess({
    entry: LOG_SERVICE,
    // no --log-file: the log service writes to stdout
    args: ['--log-level', '6', '--idle-exit', '0'],
    bus,
    uid: openvpn.uid,
    gid: openvpn.gid,
    waitForName: BusName.log,
    name,
    timeoutMs: 20_000,
  })
}

/** Waits until `svc` printed a line containing `text`; returns that line. */
function logged(svc: TestProcess, text: string, timeoutMs = 10_000): Promise<string> {
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

void describe('netcfg → openvpn3-service-log (real processes)', { skip, timeout: 120_000 }, () => {
  let bus: TestBus | undefined
  let ns: TestNetns | undefined
  let dir: string | undefined
  let netcfg: TestProcess | undefined
  let logSvc: TestProcess | undefined
  let conn: DBusConnection | undefined

  before(async () => {
    bus = await startBus({ extraPolicy: EXTRA_POLICY })
    ns = await TestNetns.create('nslog')
    dir = await mkdtemp(join(tmpdir(), 'netcfg-log-test-'))
  })
  after(async () => {
    await conn?.close().catch(() => undefined)
    await netcfg?.stop().catch(() => undefined)
    await logSvc?.stop().catch(() => undefined)
    await bus?.stop().catch(() => undefined)
    await ns?.close()
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  void test('CreateVirtualInterface is logged by the log service, also after it restarts', async () => {
    const localLog = join(dir!, 'netcfg.log')
    logSvc = await startLogService(bus!, 'log service 1')
    netcfg = await startProcess({
      entry: MAIN,
      args: ['--idle-exit', '0', '--log-level', '6', '--log-file', localLog],
      bus: bus!,
      netns: ns!.name,
      waitForName: BusName.netcfg,
      name: 'netcfg',
      timeoutMs: 20_000,
    })
    conn = await DBusConnection.connect({ address: bus!.address })
    const mgr = proxy(conn, BusName.netcfg, ObjectPath.netcfg, netcfgManagerInterface)

    // attached at start: start-up lines and the CreateVirtualInterface line arrive
    await logged(logSvc, 'Redirect method: host-route')
    const name1 = `lg${uniqueSuffix()}`
    const path1 = await mgr.CreateVirtualInterface(name1)
    const line = await logged(logSvc, `Virtual device '${name1}' registered on ${path1}`)
    assert.match(line, /Network Configuration/, line)
    assert.match(line, /INFO/, line)
    // level 6: a VERB1 line of the device object passes too
    const dev1: Proxy<typeof netcfgDeviceInterface> = proxy(
      conn,
      BusName.netcfg,
      path1,
      netcfgDeviceInterface
    )
    await dev1.AddNetworks([['198.18.9.0', 24, 0, false, false]])
    await logged(logSvc, 'Adding network 198.18.9.0/24')
    await dev1.Destroy()
    await logged(logSvc, `Device '${name1}' was removed`)

    // the log service restarts under a new unique name: netcfg follows it and attaches again
    // (the new log service would drop its lines otherwise)
    await logSvc.stop()
    await bus!.waitForName(BusName.log, { owned: false, timeoutMs: 10_000 })
    logSvc = await startLogService(bus!, 'log service 2')
    const name2 = `lg${uniqueSuffix()}`
    const path2 = await mgr.CreateVirtualInterface(name2)
    await logged(logSvc, `Virtual device '${name2}' registered on ${path2}`)
    await proxy(conn, BusName.netcfg, path2, netcfgDeviceInterface).Destroy()

    // the local copy (--log-file) has the lines too, with the group/category prefix
    const local = await readFile(localLog, 'utf8')
    assert.match(local, new RegExp(`Network Configuration INFO: Virtual device '${name2}'`))
  })
})
