/**
 * The logging layer on a real private dbus-daemon (logger.ts, targets.ts): a stand-in log
 * service (owning net.openvpn.v3.log, exporting the declared interface) records Attach /
 * AssignSession and the Log/StatusChange signals it receives. Checks unicast delivery to
 * the log service's unique name (spec §1.5), hold-back while attaching, level filter,
 * scrubbing, following a new owner, the backend's (uuss) form with its second target.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { DBusConnection } from '../bus.js'
import type { Message } from '../dbusnext.js'
import { LogCategory, LogGroup } from '../enums.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'
import { logServiceInterface } from '../api/log.js'
import { ServiceHost } from '../service/host.js'
import { requestName, releaseName } from '../service/name.js'
import { OPEN_POLICY, startPrivateBus } from '../testing/privatebus.js'
import type { PrivateBus } from '../testing/privatebus.js'
import { ServiceLogger } from './logger.js'
import type { LogEvent } from './format.js'
import { journalSink } from './sinks.js'

interface Received {
  member: string
  path: string
  iface: string
  destination: string | undefined
  sender: string | undefined
  body: unknown[]
  /** the sender had completed Attach when this arrived */
  afterAttach: boolean
}

/** A minimal stand-in for the log service: owns the name, records what it gets. */
async function fakeLogService(address: string, attachDelayMs = 0) {
  const conn = await DBusConnection.connect({ address })
  const host = new ServiceHost(conn)
  const attached: { sender: string; iface: string }[] = []
  const assigned: { sender: string; path: string; iface: string }[] = []
  const received: Received[] = []
  host.export(ObjectPath.log, logServiceInterface, {
    methods: {
      Attach: async ({ interface: iface }, ctx) => {
        await new Promise((r) => setTimeout(r, attachDelayMs))
        attached.push({ sender: ctx.sender, iface })
      },
      AssignSession: ({ session_path, interface: iface }, ctx) => {
        assigned.push({ sender: ctx.sender, path: session_path, iface })
      },
      Detach: () => undefined,
      GetSubscriberList: () => [],
      ProxyLogEvents: () => '/',
    },
    properties: {
      config_file: { get: () => '' },
      log_dbus_details: { get: () => false, set: () => undefined },
      log_level: { get: () => 3, set: () => undefined },
      log_method: { get: () => 'stdout:' },
      log_prefix_logtag: { get: () => false, set: () => undefined },
      num_attached: { get: () => attached.length },
      timestamp: { get: () => false, set: () => undefined },
      version: { get: () => 'v27' },
    },
  })
  conn.raw.on('message', (msg: Message) => {
    if (msg.type !== 4 || (msg.member !== 'Log' && msg.member !== 'StatusChange')) return
    received.push({
      member: msg.member,
      path: msg.path ?? '',
      iface: msg.interface ?? '',
      destination: msg.destination,
      sender: msg.sender,
      body: msg.body,
      afterAttach: attached.some((a) => a.sender === msg.sender),
    })
  })
  await requestName(conn, BusName.log)
  return {
    conn,
    attached,
    assigned,
    received,
    async close() {
      host.close()
      await releaseName(conn, BusName.log).catch(() => undefined)
      await conn.close()
    },
  }
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

void describe('logging layer on a private bus', { timeout: 60_000 }, () => {
  let bus: PrivateBus
  before(async () => {
    bus = await startPrivateBus({ policy: OPEN_POLICY })
  })
  after(async () => {
    await bus?.stop()
  })

  void test('attaches, holds lines back until attached, unicasts filtered and scrubbed Log lines', async () => {
    const svc = await fakeLogService(bus.address, 300)
    const conn = await DBusConnection.connect({ address: bus.address })
    const local: string[] = []
    const log = new ServiceLogger({
      group: LogGroup.NETCFG,
      serviceName: 'openvpn3-service-netcfg',
      interface: InterfaceName.netcfg,
      path: ObjectPath.netcfg,
      level: 4,
      sink: journalSink({ stream: { write: (s: string) => local.push(s) } }),
    })
    try {
      const connecting = log.connect(conn)
      // logged while Attach is still in flight: must arrive, after the Attach
      await new Promise((r) => setTimeout(r, 50))
      log.info('early line')
      await connecting
      assert.equal(log.logService, svc.conn.uniqueName)
      assert.deepEqual(svc.attached, [{ sender: conn.uniqueName, iface: InterfaceName.netcfg }])
      log.debug('too verbose for level 4')
      log.verb1('verbose line', { path: `${ObjectPath.netcfg}/42_tun0` })
      log.warn('user typed password=hunter22 and auth-token SESS_ID_xyz123')
      log.addSecret('correct horse battery')
      log.error('raw value correct horse battery leaked', { error: new Error('boom') })
      log.statusChange(2, 7, 'connected')
      await until('5 signals', () => svc.received.length >= 5)
      await new Promise((r) => setTimeout(r, 100))
      assert.equal(svc.received.length, 5)
      for (const r of svc.received) {
        assert.equal(r.destination, svc.conn.uniqueName, 'unicast to the log service')
        assert.equal(r.sender, conn.uniqueName)
        assert.equal(r.iface, InterfaceName.netcfg)
      }
      const logs = svc.received.filter((r) => r.member === 'Log')
      assert.deepEqual(logs[0]?.body, [LogGroup.NETCFG, LogCategory.INFO, 'early line'])
      assert.ok(logs[0]?.afterAttach, 'held back until the Attach completed')
      assert.equal(logs[1]?.path, `${ObjectPath.netcfg}/42_tun0`)
      assert.equal(logs[1]?.body[1], LogCategory.VERB1)
      const all = JSON.stringify(svc.received) + local.join('')
      for (const secret of ['hunter22', 'SESS_ID_xyz123', 'correct horse battery']) {
        assert.ok(!all.includes(secret), `${secret} leaked: ${all}`)
      }
      assert.ok(all.includes('boom'))
      assert.ok(!all.includes('too verbose'))
      const status = svc.received.find((r) => r.member === 'StatusChange')
      assert.deepEqual(status?.body, [2, 7, 'connected'])
      assert.match(
        local[0] ?? '',
        /^<5>openvpn3-service-netcfg Network Configuration INFO: early line\n$/
      )
      assert.equal(log.lastLine?.category, LogCategory.ERROR)
      assert.throws(() => (log.level = 7), /Invalid log level/)
    } finally {
      await log.close()
      await conn.close()
      await svc.close()
    }
  })

  void test('follows a new owner of net.openvpn.v3.log and re-attaches and re-assigns', async () => {
    const first = await fakeLogService(bus.address)
    const conn = await DBusConnection.connect({ address: bus.address })
    const log = new ServiceLogger({
      group: LogGroup.BACKENDPROC,
      serviceName: 'openvpn3-service-client',
      interface: InterfaceName.backends,
      path: ObjectPath.backendSession,
      sessionToken: '3a4b5c6dt1a2bt4c5dt8e9ft0a1b2c3d4e5f',
    })
    // a stand-in session manager gets the second copy (spec §1.5)
    const sm = await DBusConnection.connect({ address: bus.address })
    await requestName(sm, BusName.sessions)
    const smGot: unknown[][] = []
    sm.raw.on('message', (m: Message) => {
      if (m.member === 'Log' && m.destination === sm.uniqueName) smGot.push(m.body)
    })
    let second: Awaited<ReturnType<typeof fakeLogService>> | undefined
    try {
      await log.connect(conn, { extraTargets: [BusName.sessions] })
      await log.assignSession('/net/openvpn/v3/sessions/abc')
      assert.deepEqual(first.assigned, [
        {
          sender: conn.uniqueName,
          path: '/net/openvpn/v3/sessions/abc',
          iface: InterfaceName.backends,
        },
      ])
      log.info('to first', { group: LogGroup.CLIENT })
      await until('first line', () => first.received.length === 1)
      assert.deepEqual(first.received[0]?.body, [
        LogGroup.CLIENT,
        LogCategory.INFO,
        '3a4b5c6dt1a2bt4c5dt8e9ft0a1b2c3d4e5f',
        'to first',
      ])
      await until('session manager copy', () => smGot.length === 1)
      await first.close()
      await until('no log service', () => log.logService === '')
      log.info('nobody listens')
      second = await fakeLogService(bus.address)
      await until('re-attach', () => second!.attached.length === 1 && second!.assigned.length === 1)
      log.info('to second')
      await until('second line', () => second!.received.length === 1)
      assert.equal(second.received[0]?.body[3], 'to second')
      assert.equal(first.received.length, 1)
      await until('session manager copies', () => smGot.length === 3)
    } finally {
      await log.close()
      await conn.close()
      await sm.close()
      await second?.close()
    }
  })

  void test('without a log service lines still reach the local sink', async () => {
    const conn = await DBusConnection.connect({ address: bus.address })
    const seen: LogEvent[] = []
    const log = new ServiceLogger({
      group: LogGroup.CONFIGMGR,
      serviceName: 'openvpn3-service-configmgr',
      interface: InterfaceName.configuration,
      path: ObjectPath.configuration,
      sink: (ev) => seen.push(ev),
    })
    try {
      await log.connect(conn)
      assert.equal(log.logService, '')
      log.child({ path: `${ObjectPath.configuration}/x` }).info('alone')
      assert.equal(seen.length, 1)
      assert.equal(seen[0]?.path, `${ObjectPath.configuration}/x`)
    } finally {
      await log.close()
      await conn.close()
    }
  })
})
