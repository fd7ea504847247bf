/**
 * Declaration-driven validation (zod `check` on methods and properties) through the kit on
 * a private bus: upstream's exact error texts and domains (spec §7.2, §7.3, §4.2).
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import {
  netcfgDeviceInterface,
  netcfgManagerInterface,
  sessionObjectInterface,
} from '../api/index.js'
import { DBusConnection } from '../bus.js'
import type { DBusCallError } from '../errors.js'
import { ErrorDomain, StdError } from '../errors.js'
import { proxy } from '../proxy.js'
import { OPEN_POLICY, startPrivateBus } from '../testing/privatebus.js'
import type { PrivateBus } from '../testing/privatebus.js'
import { ServiceHost } from './host.js'
import type { ObjectImpl } from './host.js'

const fail = async (p: Promise<unknown>) =>
  p.then(
    () => assert.fail('call should fail'),
    (e: unknown) => e as DBusCallError
  )

void describe('declaration checks', { timeout: 60_000 }, () => {
  let bus: PrivateBus
  let svc: DBusConnection
  let cli: DBusConnection
  let host: ServiceHost
  const subscribed: number[] = []
  let verbosity = 3

  before(async () => {
    bus = await startPrivateBus({ policy: OPEN_POLICY })
    svc = await DBusConnection.connect({ address: bus.address })
    cli = await DBusConnection.connect({ address: bus.address, callTimeoutMs: 5000 })
    host = new ServiceHost(svc)
    host.export('/net/openvpn/v3/netcfg', netcfgManagerInterface, {
      methods: {
        NotificationSubscribe: ({ filter }: { filter: number }) => void subscribed.push(filter),
      },
      properties: {},
    } as unknown as ObjectImpl<typeof netcfgManagerInterface>)
    host.export('/net/openvpn/v3/netcfg/1_x', netcfgDeviceInterface, {
      methods: { SetDNSSEC: () => undefined },
      properties: {},
    } as unknown as ObjectImpl<typeof netcfgDeviceInterface>)
    host.export('/net/openvpn/v3/sessions/s', sessionObjectInterface, {
      methods: {},
      properties: {
        log_verbosity: {
          get: () => verbosity,
          set: (v: number) => {
            verbosity = v
          },
        },
      },
    } as unknown as ObjectImpl<typeof sessionObjectInterface>)
  })
  after(async () => {
    host?.close()
    await cli?.close()
    await svc?.close()
    await bus?.stop()
  })

  void test('NotificationSubscribe filter range (spec §7.2)', async () => {
    const mgr = proxy(cli, svc.uniqueName, '/net/openvpn/v3/netcfg', netcfgManagerInterface)
    const zero = await fail(mgr.NotificationSubscribe(0))
    assert.equal(zero.domain, ErrorDomain.NETCFG)
    assert.equal(zero.text, 'Subscription filter flag must be > 0')
    const big = await fail(mgr.NotificationSubscribe(70000))
    assert.equal(big.text, 'Invalid subscription flag, must be < 65535')
    await mgr.NotificationSubscribe(5)
    assert.deepEqual(subscribed, [5])
  })

  void test('SetDNSSEC quotes the bad value (spec §7.3)', async () => {
    const dev = proxy(cli, svc.uniqueName, '/net/openvpn/v3/netcfg/1_x', netcfgDeviceInterface)
    const e = await fail(dev.SetDNSSEC('maybe'))
    assert.equal(e.domain, ErrorDomain.NETCFG)
    assert.equal(e.text, "[SetDNSSEC] Invalid DNSSEC mode: 'maybe'")
    await dev.SetDNSSEC('optional')
  })

  void test('session log_verbosity > 6 is a property error (spec §4.2)', async () => {
    const s = proxy(cli, svc.uniqueName, '/net/openvpn/v3/sessions/s', sessionObjectInterface)
    const e = await fail(s.$set('log_verbosity', 9))
    assert.equal(e.errorName, StdError.Failed)
    assert.equal(e.text, 'Incorrect log level')
    await s.$set('log_verbosity', 6)
    assert.equal(await s.$get('log_verbosity'), 6)
  })
})
