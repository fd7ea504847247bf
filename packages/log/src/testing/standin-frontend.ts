/**
 * Test stand-in for a front-end following a session's log (spec §8.3, as upstream's
 * `openvpn3 log` and the Python SessionManager do): subscribes to `Log` and `StatusChange`
 * with sender `net.openvpn.v3.log`, interface `net.openvpn.v3.backends` and path = the
 * session path, and prints each received signal as one JSON line
 * `{"member","path","sender","destination","body"}`. With `--any` it subscribes to every
 * signal on that interface from anyone (to prove nothing leaks to it).
 *
 * Usage: standin-frontend.ts <session path> [--any]
 * Prints `READY <unique name>` once the match rules are active.
 */
import { BusName, DBusConnection, InterfaceName } from '@openvpn3-ts/dbus'

async function main(): Promise<void> {
  process.once('SIGTERM', () => process.exit(0))
  const [sessionPath = '/', mode] = process.argv.slice(2)
  const conn = await DBusConnection.connect()
  const print = (msg: {
    member?: string
    path?: string
    sender?: string
    destination?: string
    body: unknown[]
  }) =>
    process.stdout.write(
      JSON.stringify({
        member: msg.member,
        path: msg.path,
        sender: msg.sender,
        destination: msg.destination,
        body: msg.body,
      }) + '\n'
    )
  if (mode === '--any') {
    await conn.signals.subscribe({ interface: InterfaceName.backends }, print)
  } else {
    for (const member of ['Log', 'StatusChange']) {
      await conn.signals.subscribe(
        { sender: BusName.log, interface: InterfaceName.backends, member, path: sessionPath },
        print
      )
    }
  }
  process.stdout.write(`READY ${conn.uniqueName}\n`)
}

main().catch((err: unknown) => {
  process.stderr.write(`standin-frontend: ${String(err)}\n`)
  process.exit(1)
})
