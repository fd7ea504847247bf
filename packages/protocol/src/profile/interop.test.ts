/**
 * Interop check against the reference implementation: the text this parser renders for the
 * configuration manager's `Fetch` (export.ts) must be accepted by a stock OpenVPN 2.6 client's
 * option parser. openvpn is started with `dev null`, no-exec networking and a loopback remote;
 * the test only waits for its option dump ("Current Parameter Settings", verb 4) or an
 * "Options error", then stops the process by PID. Every remote is a loopback address, so
 * nothing is resolved or sent off the machine. Skipped when openvpn is not installed.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderProfileText } from './export.js'
import { parseFails, parseOk, CREDENTIALS } from './test-support.js'
import { STATIC_KEY, TLS_CRYPT_V2_CLIENT_KEY } from './testdata.js'

function openvpnAvailable(): boolean {
  try {
    execFileSync('openvpn', ['--version'], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch (err) {
    return (err as { status?: number }).status === 1
  }
}

/** Run openvpn on `config` until its options are parsed; returns 'ok' or the error line. */
async function openvpnParses(config: string): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'profile-interop-'))
  const file = join(dir, 'client.ovpn')
  // Last one wins in 2.6: keep everything local and inert.
  writeFileSync(
    file,
    `${config}\ndev null\nifconfig-noexec\nroute-noexec\nremote 127.0.0.1 9\nexplicit-exit-notify 0\nverb 4\n`
  )
  const child = spawn('openvpn', ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  try {
    return await new Promise<string>((resolve) => {
      let out = ''
      const timer = setTimeout(() => resolve(`timeout; output: ${out.slice(-500)}`), 8000)
      const onData = (b: Buffer) => {
        out += b.toString()
        const error = /Options error: .*/.exec(out)
        if (error !== null) {
          clearTimeout(timer)
          resolve(error[0])
        } else if (out.includes('Current Parameter Settings')) {
          clearTimeout(timer)
          resolve('ok')
        }
      }
      child.stdout.on('data', onData)
      child.stderr.on('data', onData)
      child.on('exit', () => {
        clearTimeout(timer)
        resolve(/Options error: .*/.exec(out)?.[0] ?? `exited; output: ${out.slice(-500)}`)
      })
    })
  } finally {
    await stop(child)
    rmSync(dir, { recursive: true, force: true })
  }
}

/**
 * Stop the openvpn we started (by its PID) and wait until it has exited. SIGKILL is safe here:
 * with `dev null` and no-exec networking it holds nothing but a loopback socket, and during
 * start-up it defers SIGTERM for seconds.
 */
async function stop(child: ReturnType<typeof spawn>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGKILL')
  await exited
}

const PROFILES: Record<string, string> = {
  'tls-crypt-v2, quoting, routes, DNS, connection blocks': `client
dev tun
<connection>
remote 127.0.0.1 1194 udp
</connection>
<connection>
remote 127.0.0.2 1443 tcp
</connection>
remote-cert-tls server
verify-x509-name "C=NL, O=Example Corp, CN=vpn server" subject
<auth-user-pass>
alice
pass word
</auth-user-pass>
data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
pull-filter ignore "route-ipv6 "
setenv IV_GUI_VER "my client 1.0"
setenv UV_NOTE 'single quoted \\ literal'
redirect-gateway def1 ipv6
dhcp-option DNS 198.18.0.53
route 198.18.10.0 255.255.255.0 vpn_gateway
route-ipv6 2001:db8:10::/48
keepalive 10 60
compress stub-v2
${CREDENTIALS}<tls-crypt-v2>
${TLS_CRYPT_V2_CLIENT_KEY}</tls-crypt-v2>
`,
  'tls-auth with key-direction': `client
dev tun
remote 127.0.0.1 1194
key-direction 1
auth SHA256
tls-version-min 1.2 or-highest
explicit-exit-notify 2
${CREDENTIALS}<tls-auth>
${STATIC_KEY}</tls-auth>
`,
}

void describe('rendered profiles are accepted by OpenVPN 2.6', () => {
  for (const [name, text] of Object.entries(PROFILES)) {
    void test(name, async (t) => {
      if (!openvpnAvailable()) return t.skip('openvpn binary not available')
      // The original and our rendering of it both pass openvpn's own option parser.
      assert.equal(await openvpnParses(text), 'ok', 'original profile')
      const rendered = renderProfileText(parseOk(text).profile.options)
      assert.equal(
        await openvpnParses(rendered),
        'ok',
        `rendered profile:\n${rendered.slice(0, 400)}`
      )
    })
  }
  void test('a profile openvpn refuses is refused here too', async (t) => {
    if (!openvpnAvailable()) return t.skip('openvpn binary not available')
    const bad = `client\ndev tun\nremote 127.0.0.1\nkeepalive 10 15\n${CREDENTIALS}`
    assert.match(await openvpnParses(bad), /keepalive/)
    parseFails(bad, 'invalid_argument', 4, 'keepalive')
  })
})
