/**
 * Test fixture: tries to read, configure and destroy someone else's netcfg device and prints
 * one JSON line per attempt (`{call, ok, error}`), for the second-UID access test.
 * Usage: try-calls.ts <device path>
 */
import { DBusConnection, BusName, netcfgDeviceInterface, proxy } from '@openvpn3-ts/dbus'

const path = process.argv[2] ?? ''
const conn = await DBusConnection.connect()
const dev = proxy(conn, BusName.netcfg, path, netcfgDeviceInterface)
const attempts: [string, () => Promise<unknown>][] = [
  ['AddIPAddress', () => dev.AddIPAddress('198.18.9.9', 24, '', false)],
  ['AddDNS', () => dev.AddDNS(['198.18.9.53'])],
  ['SetMtu', () => dev.$set('mtu', 1280)],
  ['Disable', () => dev.Disable()],
  ['Destroy', () => dev.Destroy()],
  ['GetOwner', () => dev.$get('owner')],
]
for (const [call, fn] of attempts) {
  try {
    await fn()
    process.stdout.write(`${JSON.stringify({ call, ok: true })}\n`)
  } catch (err) {
    const e = err as { errorName?: string; message?: string }
    process.stdout.write(
      `${JSON.stringify({ call, ok: false, error: `${e.errorName ?? ''} ${e.message ?? ''}` })}\n`
    )
  }
}
await conn.close()
