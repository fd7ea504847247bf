/**
 * `net.openvpn.v3.netcfg` — network configuration service (spec §7) and its policy
 * (spec §9.1). Wire truth: spec/introspection/net.openvpn.v3.netcfg{,@object}.xml.
 * `ProtectSocket` receives and `Establish` returns a unix fd outside the body (spec §1.6).
 * The DCO object (`<device>/dco`, DCO builds only) is not declared: we build without DCO.
 */
import { z } from 'zod'
import type { ServiceDecl } from '../declare.js'
import { DnsTransport, DnssecMode } from '../enums.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'
import { STATE_DIR, logSignal, versionProperty } from './common.js'

const NE = 'net.openvpn.v3.netcfg.error'

export const netcfgManagerInterface = {
  name: InterfaceName.netcfg,
  methods: {
    CreateVirtualInterface: {
      in: [['device_name', 's']],
      out: [['device_path', 'o']],
      doc: 'Create a device object `/net/openvpn/v3/netcfg/<caller PID>_<device_name>`; nothing is created in the kernel yet.',
      errors: [[NE, "Error creating virtual interface '<name>'"]],
    },
    FetchInterfaceList: {
      in: [],
      out: [['device_paths', 'ao']],
      doc: 'Every device object path (policy: root only).',
    },
    ProtectSocket: {
      in: [
        ['remote', 's'],
        ['ipv6', 'b'],
        ['device_path', 'o'],
      ],
      out: [['succeeded', 'b']],
      fds: { in: 1 },
      doc: 'Keep the VPN transport socket (passed as fd, no `h`) out of the tunnel: SO_MARK, bind-to-device or a host route to `remote`.',
      errors: [
        [NE, 'SO_MARK requested but protect_socket call received no fd'],
        [NE, 'bind to dev method requested but protect_socket call received no fd'],
      ],
    },
    DcoAvailable: {
      in: [],
      out: [['available', 'b']],
      doc: 'Whether kernel DCO is available (always false in this build).',
    },
    Cleanup: {
      in: [],
      out: [],
      doc: "Remove every device and host route of the caller's PID.",
    },
    NotificationSubscribe: {
      in: [['filter', 'u']],
      out: [],
      doc: 'Subscribe the caller to NetworkChange with a NetCfgChangeType bit mask (1…65535).',
      errors: [
        [NE, 'Subscription filter flag must be > 0'],
        [NE, 'Invalid subscription flag, must be < 65535'],
      ],
      check: {
        domain: NE,
        schema: z.object({
          filter: z
            .number()
            .min(1, 'Subscription filter flag must be > 0')
            .max(65535, 'Invalid subscription flag, must be < 65535'),
        }),
      },
    },
    NotificationUnsubscribe: {
      in: [['subscriber', 's']],
      out: [],
      doc: "Remove a subscription (non-root: the caller's own; root: the named unique name).",
      errors: [
        [NE, 'Failed to retrieve subscriber'],
        [NE, "Subscription not found for '<sub>'"],
      ],
    },
    NotificationSubscriberList: {
      in: [],
      out: [['subscriptions', 'a(su)']],
      doc: '(unique name, mask) pairs; root only.',
      errors: [[NE, 'Access denied']],
    },
  },
  signals: {
    Log: logSignal,
    NetworkChange: {
      args: [
        ['type', 'u'],
        ['device', 's'],
        ['details', 'a{ss}'],
      ],
      doc: 'Network change (`type` is one NetCfgChangeType flag); unicast to each matching subscriber.',
      delivery: 'unicast',
    },
  },
  properties: {
    config_file: { type: 's', access: 'read', doc: '`<state-dir>/netcfg.json` or "".' },
    global_dns_search: { type: 'as', access: 'read', doc: 'Search domains of all devices.' },
    global_dns_servers: { type: 'as', access: 'read', doc: 'Name servers of all devices.' },
    log_level: { type: 'u', access: 'readwrite', doc: 'Service log level.' },
    version: versionProperty,
  },
} as const

export const netcfgDeviceInterface = {
  name: InterfaceName.netcfg,
  methods: {
    AddIPAddress: {
      in: [
        ['ip_address', 's'],
        ['prefix', 'u'],
        ['gateway', 's'],
        ['ipv6', 'b'],
      ],
      out: [],
      doc: 'Queue a local tunnel address.',
    },
    SetRemoteAddress: {
      in: [
        ['ip_address', 's'],
        ['ipv6', 'b'],
      ],
      out: [],
      doc: 'VPN server address (routing-loop avoidance).',
    },
    AddNetworks: {
      in: [['networks', 'a(suibb)']],
      out: [],
      doc: 'Routes: (address, prefix, metric (−1 = default), ipv6, exclude).',
    },
    AddDNS: { in: [['server_list', 'as']], out: [], doc: 'Add name servers.' },
    AddDNSSearch: { in: [['domains', 'as']], out: [], doc: 'Add search domains.' },
    SetDNSSEC: {
      in: [['mode', 's']],
      out: [],
      doc: 'DNSSEC mode `yes`/`no`/`optional`.',
      errors: [[NE, "[SetDNSSEC] Invalid DNSSEC mode: '<m>'"]],
      check: {
        domain: NE,
        schema: z.object({
          mode: z.enum(DnssecMode, {
            error: (iss) => `[SetDNSSEC] Invalid DNSSEC mode: '${String(iss.input)}'`,
          }),
        }),
      },
    },
    SetDNSTransport: {
      in: [['mode', 's']],
      out: [],
      doc: 'DNS transport `plain`/`dot`/`doh`.',
      errors: [[NE, "[SetDNSTransport] Invalid DNS transport mode: '<m>'"]],
      check: {
        domain: NE,
        schema: z.object({
          mode: z.enum(DnsTransport, {
            error: (iss) => `[SetDNSTransport] Invalid DNS transport mode: '${String(iss.input)}'`,
          }),
        }),
      },
    },
    EnableDCO: {
      in: [['dev_name', 's']],
      out: [['dco_device_path', 'o']],
      doc: 'DCO builds only; fails in this build.',
    },
    Establish: {
      in: [],
      out: [],
      fds: { out: 1 },
      doc: 'Apply everything and reply with the TUN fd attached (no `h`; no fd if TUN creation failed).',
    },
    Disable: { in: [], out: [], doc: 'Withdraw DNS and tear the TUN down, keep the object.' },
    Destroy: { in: [], out: [], doc: 'Remove DNS, tear down, delete the object.' },
  },
  signals: {},
  properties: {
    acl: { type: 'au', access: 'read', doc: 'Always empty.' },
    device_name: {
      type: 's',
      access: 'read',
      doc: 'Requested name; the kernel name after Establish.',
    },
    dns_name_servers: {
      type: 's',
      valueType: 'as',
      access: 'read',
      doc: 'Name servers (declared `s`, upstream sends `as`).',
    },
    dns_scope: { type: 's', access: 'readwrite', doc: '`global` or `tunnel`.' },
    dns_search_domains: {
      type: 's',
      valueType: 'as',
      access: 'read',
      doc: 'Search domains (declared `s`, upstream sends `as`).',
    },
    dnssec_mode: {
      type: 's',
      access: 'read',
      doc: '`yes`/`no`/`optional`/`unset`, "" without resolver.',
    },
    layer: { type: 'u', access: 'readwrite', doc: 'NetCfgDeviceLayer; 3 = TUN.' },
    mtu: { type: 'q', access: 'readwrite', doc: 'MTU (default 1500).' },
    owner: { type: 'u', access: 'read', doc: 'Creator UID.' },
    reroute_ipv4: { type: 'b', access: 'readwrite', doc: 'Redirect the IPv4 default route.' },
    reroute_ipv6: { type: 'b', access: 'readwrite', doc: 'Redirect the IPv6 default route.' },
    txqueuelen: { type: 'q', access: 'readwrite', doc: '0 = OS default.' },
  },
} as const

/** Methods the service users may call (upstream also lists unimplemented ones). */
const serviceMembers = [
  'CreateVirtualInterface',
  'ProtectSocket',
  'DcoAvailable',
  'Cleanup',
  'NotificationSubscribe',
  'NotificationUnsubscribe',
  'AddBypassRoute',
  'AddIPAddress',
  'SetRemoteAddress',
  'AddNetworks',
  'AddDNS',
  'AddDNSSearch',
  'SetDNSSEC',
  'SetDNSTransport',
  'GetDNSSEC',
  'EnableDCO',
  'Establish',
  'Disable',
  'Destroy',
  'NewPeer',
  'GetPipeFD',
  'NewKey',
  'SwapKeys',
  'SetPeer',
] as const

export const netcfgService = {
  id: 'net.openvpn.v3.netcfg',
  busName: BusName.netcfg,
  doc: 'Network configuration: TUN devices, addresses, routes, DNS; cleans up when the creator vanishes (spec §7).',
  program: 'openvpn3-service-netcfg',
  activation: { user: 'root', args: ['--state-dir', STATE_DIR] },
  objects: [
    {
      id: 'manager',
      path: ObjectPath.netcfg,
      doc: 'Manager object.',
      interface: netcfgManagerInterface,
    },
    {
      id: 'device',
      path: `${ObjectPath.netcfg}/<creatorPID>_<device name>`,
      doc: 'One virtual network device being configured.',
      interface: netcfgDeviceInterface,
    },
  ],
  policy: {
    send: [
      { context: 'default', path: ObjectPath.netcfg, properties: ['Get'], introspect: true },
      { context: 'default', ping: true },
      {
        context: 'service',
        members: serviceMembers,
        properties: ['Get', 'GetAll', 'Set'],
        introspect: true,
        ping: true,
      },
      {
        context: 'root',
        path: ObjectPath.netcfg,
        members: ['NotificationSubscribe', 'NotificationUnsubscribe', 'NotificationSubscriberList'],
      },
      {
        context: 'root',
        members: ['FetchInterfaceList'],
        properties: ['Get', 'GetAll', 'Set'],
        introspect: true,
      },
    ],
  },
} as const satisfies ServiceDecl
