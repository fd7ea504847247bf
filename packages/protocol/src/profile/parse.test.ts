import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { ProfileError } from './errors.js'
import { profileFromJson, profileToJson, renderProfileText } from './export.js'
import { renderIssues } from './issues.js'
import { parseProfile, parseProfileOrThrow } from './parse.js'
import type { Profile } from './profile.js'
import { NOW, parseOk } from './test-support.js'
import { CA_CERT, CLIENT_CERT, CLIENT_KEY, TLS_CRYPT_V2_CLIENT_KEY } from './testdata.js'

/** A realistic 2.6-style client profile (spec §19.4 plus common extras). */
const REALISTIC = `# Generated for alice by the VPN portal
# OVPN_ACCESS_SERVER_FRIENDLY_NAME=Example Corp
# OVPN_ACCESS_SERVER_USERNAME=alice
client
dev tun
proto udp
remote vpn.example.net 1194
remote vpn2.example.net 443 tcp
remote-random
resolv-retry infinite
nobind
persist-key
persist-tun
remote-cert-tls server
verify-x509-name vpn.example.net name
auth-user-pass
auth-nocache
static-challenge "Enter Authenticator Code" 1
data-ciphers AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305
data-ciphers-fallback AES-256-CBC
auth SHA256
tls-version-min 1.2
explicit-exit-notify 1
keepalive 10 120
reneg-sec 0
setenv IV_GUI_VER myclient_1.0
setenv IV_SSO webauth,openurl,crtext
setenv UV_DEVICE laptop-7
push-peer-info
redirect-gateway def1 ipv6
dhcp-option DNS 198.18.0.53
dhcp-option DOMAIN corp.example
route 198.18.10.0 255.255.255.0
route-ipv6 2001:db8:10::/48
pull-filter ignore "route-ipv6 "
compress stub-v2
verb 3
mute 20
<ca>
${CA_CERT}</ca>
<cert>
${CLIENT_CERT}</cert>
<key>
${CLIENT_KEY}</key>
<tls-crypt-v2>
${TLS_CRYPT_V2_CLIENT_KEY}</tls-crypt-v2>
`

/** The profile without line numbers and raw options, for comparing two parses. */
function normalised(p: Profile): string {
  return JSON.stringify({ ...p, options: undefined }, (k, v: unknown) =>
    k === 'line' ? undefined : v
  )
}

void describe('parseProfile on a realistic profile', () => {
  void test('every field the engine needs', () => {
    const { profile: p, warnings } = parseOk(REALISTIC)
    assert.deepEqual(warnings, [])
    assert.equal(p.client, true)
    assert.deepEqual(
      p.connections[0]?.remotes.map((r) => `${r.host}:${r.port}/${r.transport}`),
      ['vpn.example.net:1194/udp', 'vpn2.example.net:443/tcp']
    )
    assert.equal(p.remoteRandom, true)
    assert.equal(p.tlsWrap.mode, 'tls-crypt-v2')
    assert.equal(p.verify.remoteCertTls, 'server')
    assert.deepEqual(p.verify.verifyX509Name, { name: 'vpn.example.net', type: 'name' })
    assert.deepEqual(p.userPass, { mode: 'prompt' })
    assert.equal(p.authNoCache, true)
    assert.deepEqual(p.staticChallenge, {
      text: 'Enter Authenticator Code',
      echo: true,
      format: 'scrv1',
    })
    assert.deepEqual(p.dataCiphers, ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'])
    assert.equal(p.dataCiphersFallback, 'AES-256-CBC')
    assert.equal(p.auth, 'SHA256')
    assert.equal(p.timers.ping, 10)
    assert.equal(p.timers.pingRestart, 120)
    assert.equal(p.timers.renegSec, 0)
    assert.deepEqual(p.peerInfo, {
      IV_GUI_VER: 'myclient_1.0',
      IV_SSO: 'webauth,openurl,crtext',
      UV_DEVICE: 'laptop-7',
    })
    assert.deepEqual(p.meta, { FRIENDLY_NAME: 'Example Corp', USERNAME: 'alice' })
    assert.deepEqual(p.routing.redirectGateway?.flags, ['def1', 'ipv6'])
    assert.equal(p.routing.dhcpOptions.length, 2)
    assert.equal(p.compression.framing, 'stub-v2')
    assert.equal(p.verb, 3)
    assert.equal(p.connections[0]?.explicitExitNotify, 1)
  })

  void test('text round trip: render → parse gives the same profile', () => {
    const first = parseOk(REALISTIC).profile
    const text = renderProfileText(first.options)
    const second = parseOk(text).profile
    assert.equal(normalised(second), normalised(first))
    assert.equal(renderProfileText(second.options), text)
  })

  void test('JSON round trip: FetchJSON → import → parse gives the same profile', () => {
    const first = parseOk(REALISTIC).profile
    const json = JSON.parse(JSON.stringify(profileToJson(first, { keepRepeated: true }))) as unknown
    const back = profileFromJson(json)
    assert.ok(back.ok)
    assert.equal(normalised(parseOk(back.text).profile), normalised(first))
  })

  void test('CRLF and BOM variant parses to the same profile', () => {
    const crlf = `\ufeff${REALISTIC.replace(/\n/g, '\r\n')}`
    assert.equal(normalised(parseOk(crlf).profile), normalised(parseOk(REALISTIC).profile))
  })

  void test('a failed parse returns every issue and the options it could read', () => {
    const r = parseProfile(REALISTIC.replace('verb 3', 'verb x3').replace('dev tun', 'dev tap'), {
      now: NOW,
    })
    assert.equal(r.ok, false)
    if (r.ok) return
    assert.deepEqual(
      r.issues.map((i) => [i.line, i.directive, i.code]),
      [
        [5, 'dev', 'unsupported'],
        [37, 'verb', 'invalid_argument'],
        [null, 'dev', 'missing_required'],
      ]
    )
    assert.ok(r.options.length > 30)
    assert.equal(
      renderIssues(r.issues).split('\n')[1],
      "line 37: 'verb': 'x3' is not a verbosity level in the range 0–1000"
    )
  })

  void test('parseProfileOrThrow throws a named error carrying the issues', () => {
    assert.throws(
      () => parseProfileOrThrow('client\n'),
      (e: unknown) =>
        e instanceof ProfileError &&
        e.name === 'ProfileError' &&
        e.code === 'PROFILE_INVALID' &&
        e.issues.length === 3 &&
        /missing 'dev tun'/.test(e.message)
    )
    assert.equal(parseProfileOrThrow(REALISTIC, { now: NOW }).profile.client, true)
  })

  void test('secrets do not appear in issue messages', () => {
    const text = REALISTIC.replace(
      'auth-user-pass\n',
      '<auth-user-pass>\nalice\nhunter2-secret\n</auth-user-pass>\nauth-user-pass x\n'
    )
    const r = parseProfile(text, { now: NOW })
    assert.equal(r.ok, false)
    const all = r.ok ? '' : renderIssues([...r.issues, ...r.warnings])
    assert.doesNotMatch(all, /hunter2/)
    assert.doesNotMatch(all, /BEGIN PRIVATE KEY/)
  })
})
