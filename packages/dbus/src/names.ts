/**
 * Bus names, object paths and the generated identifiers of openvpn3 (spec §1.1, §1.2).
 * All names derive from three prefixes, as upstream's constants do.
 */
export const BUS_PREFIX = 'net.openvpn.v3'
export const PATH_PREFIX = '/net/openvpn/v3'
export const INTERFACE_PREFIX = 'net.openvpn.v3'

const busName = <T extends string>(x: T) => `${BUS_PREFIX}.${x}` as const
const pathOf = <T extends string>(x: T) => `${PATH_PREFIX}/${x}` as const

/** Well-known bus names (spec §1.1). */
export const BusName = {
  configuration: busName('configuration'),
  sessions: busName('sessions'),
  backends: busName('backends'),
  netcfg: busName('netcfg'),
  log: busName('log'),
} as const

/** Interface names; each service uses its bus name, the backend client uses `…backends`. */
export const InterfaceName = {
  configuration: busName('configuration'),
  sessions: busName('sessions'),
  backends: busName('backends'),
  netcfg: busName('netcfg'),
  log: busName('log'),
} as const

/** Fixed object paths (spec §1.1). */
export const ObjectPath = {
  configuration: pathOf('configuration'),
  sessions: pathOf('sessions'),
  backends: pathOf('backends'),
  backendSession: pathOf('backends/session'),
  netcfg: pathOf('netcfg'),
  log: pathOf('log'),
  logProxy: pathOf('log/proxy'),
} as const

/** Delimiters that replace the four `-` of a UUID (spec §1.2). */
export const UuidDelimiter = {
  configuration: 'x',
  session: 's',
  backendToken: 't',
  logProxy: 'l',
} as const

/** Lower-case random UUID with each `-` replaced by `delim` (upstream `generate_path_uuid`). */
export function generatePathUuid(delim: string): string {
  // the global Web Crypto object: node:crypto loads on first use, not with every program that
  // imports the names (the CLI never makes an id; loading it costs ~15 ms of its start-up)
  return globalThis.crypto.randomUUID().toLowerCase().replaceAll('-', delim)
}

const uuidWith = (d: string) =>
  new RegExp(`^[0-9a-f]{8}${d}[0-9a-f]{4}${d}[0-9a-f]{4}${d}[0-9a-f]{4}${d}[0-9a-f]{12}$`)

/** New configuration object path `/net/openvpn/v3/configuration/<uuid with x>`. */
export function newConfigurationPath(): string {
  return `${ObjectPath.configuration}/${generatePathUuid(UuidDelimiter.configuration)}`
}
/** New session object path `/net/openvpn/v3/sessions/<uuid with s>`. */
export function newSessionPath(): string {
  return `${ObjectPath.sessions}/${generatePathUuid(UuidDelimiter.session)}`
}
/** New backend session token (36 chars, `t`-delimited; not a path). */
export function newBackendToken(): string {
  return generatePathUuid(UuidDelimiter.backendToken)
}
/** New log proxy path `/net/openvpn/v3/log/proxy/<uuid with l>`. */
export function newLogProxyPath(): string {
  return `${ObjectPath.logProxy}/${generatePathUuid(UuidDelimiter.logProxy)}`
}

export const isConfigurationPath = (p: string): boolean =>
  p.startsWith(ObjectPath.configuration + '/') &&
  uuidWith('x').test(p.slice(ObjectPath.configuration.length + 1))
export const isSessionPath = (p: string): boolean =>
  p.startsWith(ObjectPath.sessions + '/') &&
  uuidWith('s').test(p.slice(ObjectPath.sessions.length + 1))
export const isBackendToken = (t: string): boolean => uuidWith('t').test(t)
export const isLogProxyPath = (p: string): boolean =>
  p.startsWith(ObjectPath.logProxy + '/') &&
  uuidWith('l').test(p.slice(ObjectPath.logProxy.length + 1))

/** Bus name of the backend client process with `pid` (spec §6.1). */
export function backendBusName(pid: number): string {
  return `${BusName.backends}.be${pid}`
}
/** PID in a `net.openvpn.v3.backends.be<PID>` name, or undefined. */
export function parseBackendBusName(name: string): number | undefined {
  const m = /^net\.openvpn\.v3\.backends\.be([1-9][0-9]*)$/.exec(name)
  return m ? Number(m[1]) : undefined
}

/**
 * D-Bus object path elements allow only [A-Za-z0-9_]. Upstream passes the session token
 * (already path-safe) as the device name; anything else is replaced by `_` here.
 */
export function pathElement(s: string): string {
  const e = s.replace(/[^A-Za-z0-9_]/g, '_')
  return e.length > 0 ? e : '_'
}

/** Netcfg device path `/net/openvpn/v3/netcfg/<creatorPID>_<device name>` (spec §1.2). */
export function netcfgDevicePath(creatorPid: number, deviceName: string): string {
  return `${ObjectPath.netcfg}/${creatorPid}_${pathElement(deviceName)}`
}
/** DCO child of a netcfg device object (spec §7.6). */
export function netcfgDcoPath(devicePath: string): string {
  return `${devicePath}/dco`
}

/** True when `p` is a syntactically valid D-Bus object path. */
export function isObjectPath(p: string): boolean {
  return p === '/' || /^(\/[A-Za-z0-9_]+)+$/.test(p)
}
