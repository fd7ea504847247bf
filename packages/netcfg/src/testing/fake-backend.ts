/**
 * Test fixture: a stand-in backend process. It configures one netcfg device the way the
 * backend does (spec §7.4 call sequence), calls Establish, keeps the received TUN fd open and
 * prints `established <device path> <ifname> <fd>`, then waits to be killed.
 * Usage: fake-backend.ts '<json DeviceSpec>'
 */
import {
  DBusConnection,
  BusName,
  ObjectPath,
  netcfgDeviceInterface,
  netcfgManagerInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import { z } from 'zod'

const spec = z
  .object({
    name: z.string(),
    addresses: z.array(z.tuple([z.string(), z.number(), z.string(), z.boolean()])).default([]),
    remote: z.tuple([z.string(), z.boolean()]).optional(),
    networks: z
      .array(z.tuple([z.string(), z.number(), z.number(), z.boolean(), z.boolean()]))
      .default([]),
    dns: z.array(z.string()).default([]),
    search: z.array(z.string()).default([]),
    reroute4: z.boolean().default(false),
    reroute6: z.boolean().default(false),
  })
  .parse(JSON.parse(process.argv[2] ?? '{}'))

const conn = await DBusConnection.connect()
const mgr = proxy(conn, BusName.netcfg, ObjectPath.netcfg, netcfgManagerInterface)
const path = await mgr.CreateVirtualInterface(spec.name)
const dev = proxy(conn, BusName.netcfg, path, netcfgDeviceInterface)
await dev.$set('layer', 3)
await dev.$set('mtu', 1500)
if (spec.remote) await dev.SetRemoteAddress(...spec.remote)
for (const a of spec.addresses) await dev.AddIPAddress(...a)
if (spec.reroute4) await dev.$set('reroute_ipv4', true)
if (spec.reroute6) await dev.$set('reroute_ipv6', true)
if (spec.search.length > 0) await dev.AddDNSSearch(spec.search)
if (spec.dns.length > 0) await dev.AddDNS(spec.dns)
await dev.AddNetworks(spec.networks)
const r = await dev.Establish()
const fd = r.fds[0]
const ifname = await dev.$get('device_name')
process.stdout.write(`established ${path} ${ifname} ${fd ?? -1}\n`)
setInterval(() => undefined, 60_000)
