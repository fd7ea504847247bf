/**
 * The override table of configuration profiles (spec dbus-api.md §3.7, upstream
 * `src/configmgr/overrides.hpp`): every name, its value type (`s` or `b`) and, for the CLI, the
 * values it accepts. Part of the wire contract, shared by the configuration manager (checks
 * name and type, as upstream does), the CLI (also checks the listed values) and the backend.
 */

export type OverrideType = 's' | 'b'

export interface OverrideSpec {
  readonly name: string
  readonly type: OverrideType
  /** Allowed values (string overrides with a closed set), for the CLI helper. */
  readonly values?: readonly string[]
  readonly help: string
}

const o = (
  name: string,
  type: OverrideType,
  help: string,
  values?: readonly string[]
): OverrideSpec => (values ? { name, type, help, values } : { name, type, help })

export const OVERRIDES: readonly OverrideSpec[] = [
  o('server-override', 's', 'Replace the remote host of the profile'),
  o('port-override', 's', 'Replace the remote port of the profile'),
  o('proto-override', 's', 'Replace the transport protocol', ['tcp', 'udp']),
  o('ipv6', 's', 'Allow unused address families', ['yes', 'no', 'default']),
  o('persist-tun', 'b', 'Keep the tunnel device across reconnects'),
  o('log-level', 's', 'Log level of the VPN session', ['1', '2', '3', '4', '5', '6']),
  o('dns-fallback-google', 'b', 'Use Google DNS as fallback'),
  o('dns-setup-disabled', 'b', 'Do not configure DNS for this profile'),
  o('dns-scope', 's', 'Scope of the pushed DNS servers', ['global', 'tunnel']),
  o('dns-sync-lookup', 'b', 'Resolve the remote host synchronously'),
  o('auth-fail-retry', 'b', 'Retry after an authentication failure'),
  o('allow-compression', 's', 'Compression mode', ['no', 'asym', 'yes']),
  o('enable-legacy-algorithms', 'b', 'Allow non-preferred data channel algorithms'),
  o('tls-version-min', 's', 'Minimum TLS version', ['tls_1_0', 'tls_1_1', 'tls_1_2', 'tls_1_3']),
  o('tls-cert-profile', 's', 'TLS certificate profile', ['legacy', 'preferred', 'suiteb']),
  o('proxy-host', 's', 'HTTP proxy host'),
  o('proxy-port', 's', 'HTTP proxy port'),
  o('proxy-username', 's', 'HTTP proxy user name'),
  o('proxy-password', 's', 'HTTP proxy password'),
  o('proxy-auth-cleartext', 'b', 'Allow clear-text HTTP proxy authentication'),
  o('enterprise-profile', 's', 'Device posture enterprise profile'),
  o('automatic-restart', 's', 'Restart a crashed backend', ['no', 'on-failure']),
]

const byName = new Map(OVERRIDES.map((s) => [s.name, s]))

/** The override called `name`, or undefined for an unknown key. */
export function overrideSpec(name: string): OverrideSpec | undefined {
  return byName.get(name)
}

export type OverrideValue = string | boolean
