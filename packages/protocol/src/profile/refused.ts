/**
 * Directives a client profile must not carry, each with the reason given to the user.
 * Dangerous: they run programs, load code, write files as root or open control interfaces —
 * a profile is data imported by unprivileged users and must never gain that power (OpenVPN 3
 * refuses them for the same reason). Server-only: they configure an OpenVPN server. Unsupported:
 * valid for a 2.6 client but outside what this engine does. Local-only ones are ignored with a
 * warning (spec openvpn-protocol.md §19.3 last row).
 */

export type RefusalKind = 'dangerous' | 'server_only' | 'unsupported' | 'ignored'

export interface Refusal {
  readonly kind: RefusalKind
  readonly reason: string
}

const RUNS = 'runs an external program'

const DANGEROUS: Readonly<Record<string, string>> = {
  'script-security': 'enables running external scripts',
  up: `${RUNS} when the tunnel comes up`,
  down: `${RUNS} when the tunnel goes down`,
  'down-pre': 'modifies when the down script runs',
  'up-restart': 'modifies when the up script runs',
  'up-delay': 'modifies when the up script runs',
  'route-up': `${RUNS} after routes are added`,
  'route-pre-down': `${RUNS} before routes are removed`,
  ipchange: `${RUNS} when the remote address changes`,
  'tls-verify': `${RUNS} to verify certificates`,
  'tls-export-cert': 'writes peer certificates to a directory',
  'tls-crypt-v2-verify': `${RUNS} to verify tls-crypt-v2 clients`,
  plugin: 'loads a shared library into the client',
  'learn-address': `${RUNS} for every learned address`,
  'client-connect': `${RUNS} on the server for each client`,
  'client-disconnect': `${RUNS} on the server for each client`,
  'client-crresponse': `${RUNS} on the server`,
  'auth-user-pass-verify': `${RUNS} to check passwords`,
  iproute: 'replaces the ip command with another program',
  'route-nopull-script': RUNS,
  management: 'opens a management interface that controls the client',
  'management-client': 'connects the client to a management interface',
  'management-hold': 'requires a management interface',
  'management-query-passwords': 'sends passwords to a management interface',
  'management-query-proxy': 'requires a management interface',
  'management-query-remote': 'requires a management interface',
  'management-external-key': 'hands the private key operation to a management interface',
  'management-external-cert': 'hands the certificate to a management interface',
  'management-forget-disconnect': 'requires a management interface',
  'management-signal': 'requires a management interface',
  'management-log-cache': 'requires a management interface',
  'management-up-down': 'requires a management interface',
  'management-client-auth': 'requires a management interface',
  'management-client-user': 'requires a management interface',
  'management-client-group': 'requires a management interface',
  'pkcs11-providers': 'loads a PKCS#11 shared library',
  'pkcs11-id-management': 'requires a management interface',
  engine: 'loads an OpenSSL engine',
  providers: 'loads OpenSSL providers',
  config: 'reads another configuration file from disk',
  cd: 'changes the working directory of the client process',
  chroot: 'changes the root directory of the client process',
  writepid: 'writes a file as root',
  log: 'writes a log file as root',
  'log-append': 'writes a log file as root',
  status: 'writes a status file as root',
  'status-version': 'configures the status file',
  'ifconfig-pool-persist': 'writes a file as root',
  'tmp-dir': 'chooses where files are written as root',
  'auth-user-pass-optional': 'lets clients in without a password (server option)',
}

const SERVER_ONLY = [
  'server',
  'server-ipv6',
  'server-bridge',
  'mode',
  'tls-server',
  'ifconfig-pool',
  'ifconfig-ipv6-pool',
  'ifconfig-push',
  'ifconfig-ipv6-push',
  'iroute',
  'iroute-ipv6',
  'client-config-dir',
  'ccd-exclusive',
  'client-to-client',
  'duplicate-cn',
  'push',
  'push-reset',
  'push-remove',
  'max-clients',
  'max-routes-per-client',
  'stale-routes-check',
  'connect-freq',
  'connect-freq-initial',
  'auth-gen-token',
  'verify-client-cert',
  'client-cert-not-required',
  'username-as-common-name',
  'port-share',
  'bcast-buffers',
  'tcp-queue-limit',
  'hash-size',
  'vlan-tagging',
  'vlan-accept',
  'vlan-pvid',
  'opt-verify',
  'disable',
  'override-username',
  'force-tls-key-material-export',
  'multihome',
  'auth-gen-token-secret',
]

const UNSUPPORTED: Readonly<Record<string, string>> = {
  pkcs12:
    'PKCS#12 bundles are not supported; convert with openssl pkcs12 -nokeys/-nocerts and use <ca>, <cert> and <key>',
  secret: 'static-key (pre-shared key, no TLS) mode is not supported',
  fragment: 'internal fragmentation is not supported (spec §19.3)',
  ifconfig: 'point-to-point addressing in the profile is not supported; the server pushes it',
  'ifconfig-ipv6':
    'point-to-point addressing in the profile is not supported; the server pushes it',
  'dev-node': 'choosing a device node is not supported',
  'http-proxy': 'HTTP proxies are not supported by this engine yet',
  'http-proxy-option': 'HTTP proxies are not supported by this engine yet',
  'http-proxy-user-pass': 'HTTP proxies are not supported by this engine yet',
  'socks-proxy': 'SOCKS proxies are not supported by this engine yet',
  'pkcs11-id': 'PKCS#11 tokens are not supported',
  cryptoapicert: 'the Windows certificate store is not supported',
  'verify-hash': 'verify-hash (server option) is not supported',
  'tls-crypt-v2-max-age': 'server option',
  p2p: 'point-to-point mode is not supported',
  'key-method': 'only key-method 2 exists',
  'tun-ipv6': 'obsolete (IPv6 is always enabled)',
}

/** Accepted for compatibility and ignored: local behaviour that has no meaning here. */
const IGNORED: Readonly<Record<string, string>> = {
  'persist-local-ip': 'the client always uses an ephemeral local port',
  'persist-remote-ip': 'addresses are resolved again on reconnect',
  'mute-replay-warnings': 'replay warnings are logged once',
  'fast-io': 'not needed by this engine',
  sndbuf: 'socket buffers are chosen by the engine',
  rcvbuf: 'socket buffers are chosen by the engine',
  txqueuelen: 'the device queue length is chosen by netcfg',
  mlock: 'not applicable',
  nice: 'not applicable',
  syslog: 'logging is handled by the log service',
  'machine-readable-output': 'logging is handled by the log service',
  'suppress-timestamps': 'logging is handled by the log service',
  echo: 'not applicable',
  dh: 'Diffie-Hellman parameters are only used by servers (2.6 ignores them too)',
  daemon: 'the service manager runs the client',
  user: 'the service manages the privileges of the client process',
  group: 'the service manages the privileges of the client process',
  'route-delay': 'routes are set when the tunnel is ready',
  'route-method': 'Windows only',
  'ip-win32': 'Windows only',
  'dhcp-release': 'Windows only',
  'dhcp-renew': 'Windows only',
  'dhcp-pre-release': 'Windows only',
  'register-dns': 'Windows only',
  'win-sys': 'Windows only',
  'show-net-up': 'Windows only',
  'tap-sleep': 'Windows only',
  'windows-driver': 'Windows only',
  'allow-nonadmin': 'Windows only',
  service: 'Windows only',
  inactive: 'not supported, ignored',
  'single-session': 'not applicable',
  'tls-exit': 'not applicable',
  topology: 'the server pushes the topology',
  local: 'the client always uses an ephemeral local port',
  lport: 'the client always uses an ephemeral local port',
  bind: 'the client always uses an ephemeral local port',
  'tun-mtu-extra': 'not applicable to tun devices',
  'mtu-disc': 'path MTU discovery settings are left to the kernel',
  'mtu-test': 'not supported',
  'link-mtu': 'deprecated; use tun-mtu',
  'max-packet-size': 'not supported, ignored',
  'script-security-silent': 'not applicable',
  'data-ciphers-fallback-silent': 'not applicable',
  'ping-timer-rem': 'not applicable',
  'connect-freq-exit': 'not applicable',
  'tls-export-cert-dir': 'not applicable',
  'x509-track': 'no scripts run, so nothing to export',
  'x509-username-field': 'server option',
  'compat-mode': 'not applicable',
  'ecdh-curve': 'ignored; use tls-groups',
  'ncp-disable': 'removed in OpenVPN 2.6',
  'disable-dco': 'DCO is chosen with the dco profile property',
  'redirect-private-silent': 'not applicable',
  'route-ipv6-gateway': 'the server pushes the IPv6 gateway',
  'block-outside-dns-silent': 'not applicable',
  'remote-random-silent': 'not applicable',
  'session-timeout': 'not supported, ignored',
  'auth-token': 'auth tokens are pushed by the server',
  'auth-token-user': 'auth tokens are pushed by the server',
  'ns-cert-type-silent': 'not applicable',
}

/** Why a directive is refused or ignored, or null when it is not in any list. */
export function refusal(name: string): Refusal | null {
  if (name.startsWith('management')) {
    return {
      kind: 'dangerous',
      reason: DANGEROUS[name] ?? 'management interface options do not belong in a client profile',
    }
  }
  const dangerous = DANGEROUS[name]
  if (dangerous !== undefined) return { kind: 'dangerous', reason: dangerous }
  if (SERVER_ONLY.includes(name))
    return { kind: 'server_only', reason: 'it configures an OpenVPN server' }
  const unsupported = UNSUPPORTED[name]
  if (unsupported !== undefined) return { kind: 'unsupported', reason: unsupported }
  const ignored = IGNORED[name]
  if (ignored !== undefined) return { kind: 'ignored', reason: ignored }
  return null
}

/** Every dangerous directive name (tests check each one is refused). */
export const DANGEROUS_DIRECTIVES: readonly string[] = Object.keys(DANGEROUS)
export const SERVER_ONLY_DIRECTIVES: readonly string[] = SERVER_ONLY
