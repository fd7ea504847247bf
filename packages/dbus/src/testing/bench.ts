/**
 * Micro-benchmark of the kit: Echo round trips through a typed proxy to a ServiceHost on a
 * private bus (two connections in one process). Run:
 *   node --conditions=source --import tsx packages/dbus/src/testing/bench.ts [calls]
 */
import { DBusConnection } from '../bus.js'
import { proxy } from '../proxy.js'
import { ServiceHost } from '../service/host.js'
import { OPEN_POLICY, startPrivateBus } from './privatebus.js'

const echo = {
  name: 'net.openvpn.v3.bench',
  methods: { Echo: { in: [['s', 's']], out: [['s', 's']], doc: 'echo' } },
  signals: {},
  properties: {},
} as const

async function main(n: number) {
  const bus = await startPrivateBus({ policy: OPEN_POLICY })
  const a = await DBusConnection.connect({ address: bus.address })
  const b = await DBusConnection.connect({ address: bus.address })
  try {
    const host = new ServiceHost(a)
    host.export('/bench', echo, { methods: { Echo: ({ s }) => s }, properties: {} })
    const p = proxy(b, a.uniqueName, '/bench', echo)
    for (let i = 0; i < 200; i++) await p.Echo('warm')
    let t = process.hrtime.bigint()
    for (let i = 0; i < n; i++) await p.Echo('ping')
    const seq = Number(process.hrtime.bigint() - t) / 1e9
    t = process.hrtime.bigint()
    for (let i = 0; i < n; i += 64)
      await Promise.all(Array.from({ length: 64 }, () => p.Echo('ping')))
    const par = Number(process.hrtime.bigint() - t) / 1e9
    console.log(
      `${n} calls: sequential ${(n / seq).toFixed(0)} calls/s (${((seq / n) * 1e6).toFixed(0)} µs/call), 64 in flight ${(n / par).toFixed(0)} calls/s`
    )
    host.close()
  } finally {
    await a.close()
    await b.close()
    await bus.stop()
  }
}

void main(Number(process.argv[2] ?? 3000))
