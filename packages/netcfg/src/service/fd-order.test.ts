/**
 * Regression test for the fd handover netcfg relies on (spec §1.6): a reply that carries a unix
 * fd outside its body must keep it even when signals to the same connection arrive just before
 * it (usocket delivers every fd it has read with the next message parsed; the dbus package's fd
 * patch now hands each message as many as its UNIX_FDS header field says).
 */
import { test } from 'node:test'
import { strict as assert } from 'node:assert'
import { closeSync, openSync } from 'node:fs'
import {
  DBusConnection,
  ServiceHost,
  declareInterface,
  proxy,
  requestName,
} from '@openvpn3-ts/dbus'
import { startBus } from '@openvpn3-ts/testkit'

const iface = declareInterface({
  name: 'test.netcfg.FdOrder',
  methods: { Get: { in: [['signals', 'u']], out: [], fds: { out: 1 }, doc: '' } },
  signals: { Ping: { args: [['n', 'u']], doc: '', delivery: 'unicast' } },
  properties: {},
})

void test(
  'an fd-carrying reply keeps its fd when signals precede it',
  { timeout: 30_000 },
  async () => {
    const bus = await startBus({
      extraPolicy: `<policy context="default"><allow own="${iface.name}"/><allow send_destination="${iface.name}"/></policy>`,
    })
    const svc = await DBusConnection.connect({ address: bus.address })
    const cli = await DBusConnection.connect({ address: bus.address })
    try {
      const host = new ServiceHost(svc)
      const obj = host.export('/test', iface, {
        methods: {
          Get: ({ signals }, ctx) => {
            for (let i = 0; i < signals; i++) obj.emit('Ping', [i], { destination: ctx.sender })
            ctx.replyFds([openSync('/dev/null', 'r')])
          },
        },
        properties: {},
      })
      await requestName(svc, iface.name)
      let pings = 0
      const unsub = await cli.signals.subscribe(
        { interface: iface.name, member: 'Ping' },
        () => pings++
      )
      const p = proxy(cli, iface.name, '/test', iface)
      for (const n of [0, 1, 3, 8]) {
        for (let i = 0; i < 5; i++) {
          const r = await p.Get(n)
          assert.equal(r.fds.length, 1, `${n} signals before the reply`)
          for (const fd of r.fds) closeSync(fd)
        }
      }
      assert.ok(pings > 0)
      await unsub()
    } finally {
      await cli.close()
      await svc.close()
      await bus.stop()
    }
  }
)
