/**
 * `openvpn3 version` / `openvpn3-admin version [--services]` (spec dbus-api.md §13): the CLI's
 * release, and with `--services` the `version` property of every service (§1.3) — without
 * starting services that are not running.
 */
import { defineCommand } from '../framework/command.js'

export const CLI_VERSION = 'v27'

const SERVICES = [
  ['net.openvpn.v3.configuration', '/net/openvpn/v3/configuration', 'Configuration Manager'],
  ['net.openvpn.v3.sessions', '/net/openvpn/v3/sessions', 'Session Manager'],
  ['net.openvpn.v3.backends', '/net/openvpn/v3/backends', 'Backend Starter'],
  ['net.openvpn.v3.log', '/net/openvpn/v3/log', 'Log Service'],
  ['net.openvpn.v3.netcfg', '/net/openvpn/v3/netcfg', 'Network Configuration'],
] as const

export default defineCommand({
  name: 'version',
  summary: 'Show program version information',
  options: [{ name: 'services', help: 'Also show the versions of the running services' }],
  async run({ args, out, bus }) {
    out.line(`OpenVPN 3/Linux ${CLI_VERSION} (openvpn3-ts)`)
    if (!args.has('services')) return
    const conn = await bus()
    const { Variant } = await import('@openvpn3-ts/dbus')
    out.line()
    for (const [name, path, label] of SERVICES) {
      let v = 'not running'
      try {
        const r = await conn.call({
          destination: name,
          path,
          interface: 'org.freedesktop.DBus.Properties',
          member: 'Get',
          signature: 'ss',
          body: [name, 'version'],
          noAutoStart: true,
          timeoutMs: 5000,
        })
        const val = r.body[0]
        v = String(val instanceof Variant ? (val as { value: unknown }).value : val)
      } catch {
        // not running or no access
      }
      out.line(`${label.padStart(24)}: ${v}`)
    }
  },
})
