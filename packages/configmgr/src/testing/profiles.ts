/**
 * Profiles for the configuration manager tests, built on the testkit's generated PKI: a valid
 * inline client profile, one that misses required options (imported with valid=false), and
 * refused ones (scripts, plugins, grammar errors).
 */
import { pkiMaterial } from '@openvpn3-ts/testkit'

export async function validProfile(remote = '192.0.2.1'): Promise<string> {
  const pem = await pkiMaterial()
  return [
    '# test profile',
    'client',
    'dev tun',
    `remote ${remote} 1194 udp`,
    'nobind',
    'remote-cert-tls server',
    '<ca>',
    pem.caCert.trim(),
    '</ca>',
    '<cert>',
    pem.clientCert.trim(),
    '</cert>',
    '<key>',
    pem.clientKey.trim(),
    '</key>',
    '',
  ].join('\n')
}

/** Valid grammar, but no `ca` and no `remote`: imported, valid=false (spec §3.5). */
export const INCOMPLETE_PROFILE = 'client\ndev tun\nnobind\n'

/** Asks for scripts and a plugin: refused at import. */
export const SCRIPT_PROFILE =
  'client\ndev tun\nremote 192.0.2.1\nscript-security 2\nup /tmp/evil.sh\nplugin /tmp/evil.so\n'

/** Grammar errors on two lines. */
export const BROKEN_PROFILE = 'client\ndev tun\nremote "192.0.2.1\n<ca>\nnot closed\n'
