/**
 * Test fixture: listener on/off cycles with plain dbus-next 0.10.2 (no match-rule fix),
 * exactly as the patched test does. Prints the bus errors it saw, e.g. LimitsExceeded.
 */
import { createBus } from '../dbusnext.js'
import { systemBusAddress } from '../bus.js'

type ProxyIface = { on(e: string, f: () => void): void; off(e: string, f: () => void): void }
const cycles = Number(process.argv[2] ?? 600)
const bus = createBus(systemBusAddress(), false)
const raw = bus as unknown as {
  getProxyObject(n: string, p: string): Promise<{ getInterface(n: string): ProxyIface }>
}
const errors: string[] = []
bus.on('error', (err: { type?: string; message?: string }) =>
  errors.push(err.type ?? err.message ?? 'error')
)
bus.once('connect', () => {
  void (async () => {
    const obj = await raw.getProxyObject('org.freedesktop.DBus', '/org/freedesktop/DBus')
    const iface = obj.getInterface('org.freedesktop.DBus')
    for (let i = 0; i < cycles; i++) {
      const f = () => undefined
      iface.on('NameOwnerChanged', f)
      iface.off('NameOwnerChanged', f)
    }
    // the AddMatch/RemoveMatch calls are queued in order; wait for their replies
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && errors.length === 0) await new Promise((r) => setTimeout(r, 50))
    process.stdout.write(`errors: ${errors.length} first: ${errors[0] ?? 'none'}\n`)
    bus.disconnect()
  })()
})
