import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import type { ProfileIssueCode } from './issues.js'
import { BASE, CREDENTIALS, parseFails, parseOk, parseWarns, withLines } from './test-support.js'
import { STATIC_KEY, TLS_CRYPT_V2_CLIENT_KEY, CLIENT_KEY_ENCRYPTED, CA_CERT } from './testdata.js'

/** Error cases: [directive line(s), code]; the first line is line 1. */
function failsAll(cases: readonly (readonly [string, ProfileIssueCode])[]) {
  for (const [line, code] of cases) {
    void test(`refuses: ${line.split('\n')[0]}`, () => {
      parseFails(withLines(line), code, 1)
    })
  }
}

void describe('client mode, device and transport', () => {
  void test('client sets pull and tls-client; tls-client alone warns about pull', () => {
    const p = parseOk(BASE).profile
    assert.equal(p.client, true)
    assert.equal(p.pull, true)
    const noClient = BASE.replace('client\n', 'tls-client\n')
    parseWarns(noClient, 'ignored')
    assert.equal(parseOk(BASE.replace('client\n', 'tls-client\npull\n')).profile.pull, true)
  })
  void test('missing client, dev, remote and ca are all reported at once', () => {
    const issues = parseFails('verb 3\n', 'missing_required')
    assert.deepEqual(
      issues.filter((i) => i.code === 'missing_required').map((i) => i.directive),
      ['client', 'dev', 'remote', 'ca']
    )
  })
  void test('dev tun and named tun devices', () => {
    assert.equal(parseOk(BASE).profile.dev, 'tun')
    assert.equal(parseOk(BASE.replace('dev tun', 'dev tun7')).profile.dev, 'tun7')
  })
  void test('proto variants map to transport and family', () => {
    const cases: [string, string, string][] = [
      ['udp', 'udp', 'any'],
      ['udp4', 'udp', 'ipv4'],
      ['udp6', 'udp', 'ipv6'],
      ['tcp', 'tcp', 'any'],
      ['tcp-client', 'tcp', 'any'],
      ['tcp4-client', 'tcp', 'ipv4'],
      ['tcp6', 'tcp', 'ipv6'],
    ]
    for (const [proto, transport, family] of cases) {
      const r = parseOk(withLines(`proto ${proto}`)).profile.connections[0]?.remotes[0]
      assert.equal(r?.transport, transport, proto)
      assert.equal(r?.family, family, proto)
    }
  })
  void test('remote list: host, port and proto defaults come from port/proto', () => {
    const base = BASE.replace('remote vpn.example.net 1194\n', '')
    const p = parseOk(
      withLines(
        'proto tcp\nport 443\nremote a.example.net\nremote b.example.net 1195\nremote 192.0.2.1 1196 udp6\nremote 2001:db8::1',
        base
      )
    ).profile
    assert.deepEqual(
      p.connections[0]?.remotes.map((r) => [r.host, r.port, r.transport, r.family, r.line]),
      [
        ['a.example.net', 443, 'tcp', 'any', 3],
        ['b.example.net', 1195, 'tcp', 'any', 4],
        ['192.0.2.1', 1196, 'udp', 'ipv6', 5],
        ['2001:db8::1', 443, 'tcp', 'any', 6],
      ]
    )
    assert.equal(p.connections[0]?.line, null)
  })
  void test('rport, remote-random, remote-random-hostname, nobind, float', () => {
    const p = parseOk(
      withLines('rport 5000\nremote-random\nremote-random-hostname\nnobind\nfloat')
    ).profile
    assert.equal(p.connections[0]?.remotes[0]?.port, 1194)
    assert.equal(
      parseOk(withLines('rport 5000', BASE.replace(' 1194', ''))).profile.connections[0]?.remotes[0]
        ?.port,
      5000
    )
    assert.equal(p.remoteRandom, true)
    assert.equal(p.remoteRandomHostname, true)
    assert.equal(p.nobind, true)
    assert.equal(p.float, true)
  })
  void test('retry and timeouts with defaults', () => {
    const d = parseOk(BASE).profile
    assert.deepEqual(d.retry, {
      connectRetry: 1,
      connectRetryMaxWait: 300,
      connectRetryMax: null,
      resolvRetry: 'infinite',
      authRetry: 'none',
    })
    assert.equal(d.connections[0]?.connectTimeout, 120)
    const p = parseOk(
      withLines(
        'connect-retry 5 60\nconnect-retry-max 3\nresolv-retry 30\nserver-poll-timeout 10\nauth-retry nointeract'
      )
    ).profile
    assert.deepEqual(p.retry, {
      connectRetry: 5,
      connectRetryMaxWait: 60,
      connectRetryMax: 3,
      resolvRetry: 30,
      authRetry: 'nointeract',
    })
    assert.equal(p.connections[0]?.connectTimeout, 10)
    assert.equal(parseOk(withLines('connect-timeout 7')).profile.connections[0]?.connectTimeout, 7)
  })
  void test('explicit-exit-notify defaults to 1 and is UDP only', () => {
    assert.equal(parseOk(withLines('explicit-exit-notify')).profile.explicitExitNotify, 1)
    assert.equal(
      parseOk(withLines('explicit-exit-notify 3')).profile.connections[0]?.explicitExitNotify,
      3
    )
    parseWarns(withLines('proto tcp\nexplicit-exit-notify 2'), 'ignored')
  })
  failsAll([
    ['dev tap', 'unsupported'],
    ['dev tap0', 'unsupported'],
    ['dev null', 'unsupported'],
    ['dev-type tap', 'unsupported'],
    ['dev this-name-is-too-long', 'invalid_argument'],
    ['dev', 'missing_argument'],
    ['proto sctp', 'invalid_argument'],
    ['proto tcp-server', 'invalid_argument'],
    ['remote', 'missing_argument'],
    ['remote bad_host! 1194', 'invalid_argument'],
    ['remote vpn.example.net 70000', 'invalid_argument'],
    ['remote vpn.example.net 0', 'invalid_argument'],
    ['remote vpn.example.net 1194 icmp', 'invalid_argument'],
    ['remote a 1 udp extra', 'too_many_arguments'],
    ['port abc', 'invalid_argument'],
    ['rport -1', 'invalid_argument'],
    ['client extra', 'too_many_arguments'],
    ['connect-retry x', 'invalid_argument'],
    ['resolv-retry forever', 'invalid_argument'],
    ['server-poll-timeout 1.5', 'invalid_argument'],
    ['explicit-exit-notify x', 'invalid_argument'],
    ['nobind 1', 'too_many_arguments'],
  ])
})

void describe('<connection> blocks', () => {
  const noRemote = BASE.replace('remote vpn.example.net 1194\n', '')
  void test('each block is an entry with its own remote, proto and port; top-level defaults apply', () => {
    const text = withLines(
      [
        'proto tcp',
        '<connection>',
        'remote a.example.net',
        'port 1195',
        'explicit-exit-notify 2',
        '</connection>',
        '<connection>',
        'remote b.example.net 443 udp',
        'connect-timeout 9',
        '</connection>',
      ].join('\n'),
      noRemote
    )
    const p = parseOk(text).profile
    assert.deepEqual(
      p.connections.map((c) => [
        c.line,
        c.remotes.map((r) => `${r.host}:${r.port}/${r.transport}`),
        c.explicitExitNotify,
        c.connectTimeout,
      ]),
      [
        [2, ['a.example.net:1195/tcp'], 2, 120],
        [7, ['b.example.net:443/udp'], 0, 9],
      ]
    )
  })
  void test('control-channel keys inside a block apply to that entry; key-direction is inherited', () => {
    const text = withLines(
      [
        'key-direction 1',
        '<connection>',
        'remote a.example.net',
        `<tls-auth>\n${STATIC_KEY}</tls-auth>`,
        '</connection>',
        '<connection>',
        'remote b.example.net',
        '</connection>',
        `<tls-crypt>\n${STATIC_KEY}</tls-crypt>`,
      ].join('\n'),
      noRemote
    )
    const p = parseOk(text).profile
    const first = p.connections[0]?.tlsWrap
    assert.equal(first?.mode, 'tls-auth')
    assert.equal(first?.mode === 'tls-auth' && first.direction, 1)
    assert.equal(p.connections[1]?.tlsWrap, null)
    assert.equal(p.tlsWrap.mode, 'tls-crypt')
  })
  void test('top-level remotes are ignored (with a warning) when blocks exist, as 2.6 does', () => {
    const p = parseWarns(withLines('<connection>\nremote a.example.net\n</connection>'), 'ignored')
    assert.deepEqual(
      p.connections.map((c) => c.remotes.map((r) => r.host)),
      [['a.example.net']]
    )
  })
  void test('a block without remote and a directive not allowed inside', () => {
    parseFails(
      withLines('<connection>\nproto udp\n</connection>', noRemote),
      'missing_required',
      1,
      'connection'
    )
    parseFails(
      withLines('<connection>\nremote a\ncipher AES-256-GCM\n</connection>', noRemote),
      'conflict',
      3
    )
    parseFails(withLines('connection foo', noRemote), 'invalid_argument', 1)
  })
})

void describe('credentials and control-channel keys', () => {
  void test('certificates, key and the cert/key pair check', () => {
    const p = parseOk(BASE).profile
    assert.equal(p.ca.length, 1)
    assert.equal(p.cert?.subject, 'CN=client1')
    assert.equal(p.key?.algorithm, 'ec')
  })
  void test('several <ca> blocks are concatenated; <extra-certs>', () => {
    const p = parseOk(
      withLines(`<ca>\n${CA_CERT}</ca>\n<extra-certs>\n${CA_CERT}</extra-certs>`)
    ).profile
    assert.equal(p.ca.length, 2)
    assert.equal(p.extraCerts.length, 1)
  })
  void test('a key that does not belong to the certificate', async () => {
    const { OTHER_KEY } = await import('./testdata.js')
    const text = BASE.replace(/<key>[\s\S]*<\/key>/, `<key>\n${OTHER_KEY}</key>`)
    parseFails(text, 'key_mismatch')
  })
  void test('encrypted key is accepted with a warning', () => {
    const text = BASE.replace(/<key>[\s\S]*<\/key>/, `<key>\n${CLIENT_KEY_ENCRYPTED}</key>`)
    const p = parseWarns(text, 'encrypted_private_key')
    assert.equal(p.key?.encrypted, true)
  })
  void test('cert without key and key without cert', () => {
    parseFails(BASE.replace(/<key>[\s\S]*<\/key>/, ''), 'missing_required', undefined, 'key')
    parseFails(BASE.replace(/<cert>[\s\S]*<\/cert>/, ''), 'missing_required', undefined, 'cert')
  })
  void test('no client cert: a warning, silenced by auth-user-pass or setenv CLIENT_CERT 0', () => {
    const noCert = BASE.replace(/<cert>[\s\S]*<\/cert>\n/, '').replace(/<key>[\s\S]*<\/key>\n/, '')
    parseWarns(noCert, 'missing_required')
    const p = parseOk(withLines('setenv CLIENT_CERT 0', noCert))
    assert.equal(p.profile.clientCertRequired, false)
    assert.equal(p.warnings.length, 0)
    assert.equal(parseOk(withLines('auth-user-pass', noCert)).warnings.length, 0)
  })
  void test('expired certificate is a warning (clock injected)', async () => {
    const { parseProfile } = await import('./parse.js')
    const r = parseProfile(BASE, { now: new Date('2100-01-01T00:00:00Z') })
    assert.ok(r.ok)
    assert.ok(r.warnings.some((w) => w.code === 'certificate_expired' && w.directive === 'ca'))
  })
  void test('file references are refused with a clear message', () => {
    for (const name of [
      'ca',
      'cert',
      'key',
      'tls-auth',
      'tls-crypt',
      'tls-crypt-v2',
      'extra-certs',
      'crl-verify',
    ]) {
      const issues = parseFails(withLines(`${name} ${name}.pem`), 'file_reference', 1, name)
      assert.match(
        issues.find((i) => i.code === 'file_reference')?.message ?? '',
        /inline as <.+> … <\/.+>/
      )
    }
    parseFails(withLines('auth-user-pass creds.txt'), 'file_reference', 1)
    parseFails(withLines('ca [inline]'), 'missing_argument', 1)
  })
  void test('wrong PEM type in a block', () => {
    parseFails(withLines(`<ca>\n${STATIC_KEY}</ca>`), 'invalid_pem', 1, 'ca')
    parseFails(BASE.replace(/<key>[\s\S]*<\/key>/, `<key>\n${CA_CERT}</key>`), 'invalid_pem')
  })
  void test('tls-auth with key-direction; without it a warning', () => {
    const p = parseOk(withLines(`key-direction 1\n<tls-auth>\n${STATIC_KEY}</tls-auth>`)).profile
    assert.equal(p.tlsWrap.mode, 'tls-auth')
    assert.equal(p.tlsWrap.mode === 'tls-auth' && p.tlsWrap.direction, 1)
    assert.equal(p.tlsWrap.mode === 'tls-auth' && p.tlsWrap.key.length, 256)
    const q = parseWarns(withLines(`<tls-auth>\n${STATIC_KEY}</tls-auth>`), 'ignored', 1)
    assert.equal(q.tlsWrap.mode === 'tls-auth' && q.tlsWrap.direction, null)
  })
  void test('tls-crypt and tls-crypt-v2', () => {
    const p = parseOk(withLines(`<tls-crypt>\n${STATIC_KEY}</tls-crypt>`)).profile
    assert.equal(p.tlsWrap.mode, 'tls-crypt')
    const q = parseOk(
      withLines(`<tls-crypt-v2>\n${TLS_CRYPT_V2_CLIENT_KEY}</tls-crypt-v2>`)
    ).profile
    assert.equal(q.tlsWrap.mode, 'tls-crypt-v2')
    assert.equal(q.tlsWrap.mode === 'tls-crypt-v2' && q.tlsWrap.wrappedKey.length > 290, true)
    assert.equal(parseOk(BASE).profile.tlsWrap.mode, 'none')
  })
  void test('two control-channel protections conflict; bad keys are refused', () => {
    parseFails(
      withLines(`<tls-auth>\n${STATIC_KEY}</tls-auth>\n<tls-crypt>\n${STATIC_KEY}</tls-crypt>`),
      'conflict'
    )
    parseFails(withLines('<tls-crypt>\nnot a key\n</tls-crypt>'), 'invalid_static_key', 1)
    parseFails(
      withLines(`<tls-crypt-v2>\n${STATIC_KEY}</tls-crypt-v2>`),
      'invalid_tls_crypt_v2_key',
      1
    )
    parseFails(withLines(`auth none\n<tls-auth>\n${STATIC_KEY}</tls-auth>`), 'conflict', 1, 'auth')
  })
  failsAll([
    ['key-direction 2', 'invalid_argument'],
    ['<pkcs12>\nMIIB\n</pkcs12>', 'unsupported'],
    ['<secret>\nx\n</secret>', 'unsupported'],
    ['<route>\n10.0.0.0\n</route>', 'unknown_block'],
    ['<crl-verify>\nnot a crl\n</crl-verify>', 'invalid_pem'],
  ])
})

void describe('TLS and data-channel crypto', () => {
  void test('defaults: data-ciphers, auth SHA1, TLS 1.2', () => {
    const p = parseOk(BASE).profile
    assert.deepEqual(p.dataCiphers, ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'])
    assert.equal(p.auth, 'SHA1')
    assert.equal(p.tls.versionMin, '1.2')
    assert.equal(p.cipher, null)
  })
  void test('names are canonicalised; optional ? entries the client lacks are skipped', () => {
    const p = parseOk(
      withLines(
        'data-ciphers aes-128-gcm:?BF-CBC:CHACHA20-POLY1305\ndata-ciphers-fallback aes-256-cbc\nauth sha256'
      )
    )
    assert.deepEqual(p.profile.dataCiphers, ['AES-128-GCM', 'CHACHA20-POLY1305'])
    assert.equal(p.profile.dataCiphersFallback, 'AES-256-CBC')
    assert.equal(p.profile.auth, 'SHA256')
    assert.ok(p.warnings.some((w) => w.line === 1 && /BF-CBC/.test(w.message)))
  })
  void test('cipher outside data-ciphers: ignored for negotiation, used as fallback (openvpn 2.6.14)', () => {
    const p = parseWarns(withLines('cipher AES-256-CBC'), 'deprecated')
    assert.deepEqual(p.dataCiphers, ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'])
    assert.equal(p.cipher, 'AES-256-CBC')
    assert.equal(p.dataCiphersFallback, 'AES-256-CBC')
    const q = parseOk(withLines('cipher AES-256-CBC\ndata-ciphers-fallback AES-128-CBC')).profile
    assert.equal(q.dataCiphersFallback, 'AES-128-CBC')
    assert.equal(parseOk(withLines('cipher AES-256-GCM')).warnings.length, 0)
  })
  void test('TLS settings', () => {
    const p = parseOk(
      withLines(
        'tls-version-min 1.3 or-highest\ntls-version-max 1.3\ntls-cipher TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384\ntls-ciphersuites TLS_AES_256_GCM_SHA384\ntls-groups X25519:prime256v1\ntls-cert-profile preferred'
      )
    ).profile
    assert.deepEqual(p.tls, {
      versionMin: '1.3',
      versionMinOrHighest: true,
      versionMax: '1.3',
      cipherList: 'TLS-ECDHE-ECDSA-WITH-AES-256-GCM-SHA384',
      cipherSuites: 'TLS_AES_256_GCM_SHA384',
      groups: 'X25519:prime256v1',
      certProfile: 'preferred',
    })
    parseWarns(withLines('tls-version-min 1.0'), 'deprecated', 1)
  })
  void test('server certificate checks', () => {
    const fp = Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, '0')).join(':')
    const p = parseOk(
      withLines(
        `remote-cert-tls server\nverify-x509-name "C=NL, CN=vpn server" subject\nremote-cert-ku a0 88\nremote-cert-eku "TLS Web Server Authentication"\npeer-fingerprint ${fp}\n<peer-fingerprint>\n# a comment\n${fp.toUpperCase()}\n</peer-fingerprint>`
      )
    ).profile
    assert.deepEqual(p.verify, {
      remoteCertTls: 'server',
      verifyX509Name: { name: 'C=NL, CN=vpn server', type: 'subject' },
      remoteCertKu: ['a0', '88'],
      remoteCertEku: 'TLS Web Server Authentication',
      peerFingerprints: [fp.toUpperCase(), fp.toUpperCase()],
    })
    assert.equal(
      parseOk(withLines('verify-x509-name vpn')).profile.verify.verifyX509Name?.type,
      'subject'
    )
    const q = parseWarns(withLines('ns-cert-type server'), 'deprecated', 1)
    assert.equal(q.verify.remoteCertTls, 'server')
  })
  void test('peer-fingerprint replaces <ca>', () => {
    const fp = Array.from({ length: 32 }, () => 'AB').join(':')
    const noCa = BASE.replace(/<ca>[\s\S]*<\/ca>\n/, '')
    parseFails(noCa, 'missing_required', undefined, 'ca')
    assert.equal(parseOk(withLines(`peer-fingerprint ${fp}`, noCa)).profile.ca.length, 0)
  })
  failsAll([
    ['cipher FOO-BAR', 'invalid_argument'],
    ['cipher BF-CBC', 'unsupported'],
    ['data-ciphers AES-256-GCM:FOO', 'invalid_argument'],
    ['data-ciphers AES-256-GCM:BF-CBC', 'unsupported'],
    ['data-ciphers ?FOO', 'invalid_argument'],
    ['data-ciphers-fallback nope', 'invalid_argument'],
    ['auth SHA999', 'invalid_argument'],
    ['tls-version-min 1.4', 'invalid_argument'],
    ['tls-version-min 1.2 or-lowest', 'invalid_argument'],
    ['tls-cert-profile strong', 'invalid_argument'],
    ['remote-cert-tls client', 'invalid_argument'],
    ['remote-cert-tls', 'missing_argument'],
    ['verify-x509-name vpn cn', 'invalid_argument'],
    ['peer-fingerprint AB:CD', 'invalid_argument'],
    ['remote-cert-ku xyz', 'invalid_argument'],
  ])
  void test('the rendered cipher issue', async () => {
    const { renderIssue } = await import('./issues.js')
    const issues = parseFails(withLines('verb 3\ncipher FOO-BAR'), 'invalid_argument', 2)
    assert.equal(
      renderIssue(issues[0] as (typeof issues)[number]),
      "line 2: 'cipher': unknown cipher 'FOO-BAR'"
    )
  })
})

void describe('authentication, peer-info and compression', () => {
  void test('auth-user-pass: prompt, inline user and password, inline user only', () => {
    assert.deepEqual(parseOk(withLines('auth-user-pass')).profile.userPass, { mode: 'prompt' })
    assert.deepEqual(
      parseOk(withLines('<auth-user-pass>\nalice\ns3cret pass\n</auth-user-pass>')).profile
        .userPass,
      { mode: 'inline', username: 'alice', password: 's3cret pass' }
    )
    assert.deepEqual(
      parseOk(withLines('<auth-user-pass>\nbob\n</auth-user-pass>')).profile.userPass,
      {
        mode: 'inline',
        username: 'bob',
        password: null,
      }
    )
    parseFails(withLines('<auth-user-pass>\n\n</auth-user-pass>'), 'missing_argument', 1)
    assert.equal(parseOk(withLines('auth-nocache')).profile.authNoCache, true)
  })
  void test('static-challenge', () => {
    assert.deepEqual(
      parseOk(withLines('auth-user-pass\nstatic-challenge "Enter OTP" 1')).profile.staticChallenge,
      { text: 'Enter OTP', echo: true, format: 'scrv1' }
    )
    assert.deepEqual(
      parseOk(withLines("auth-user-pass\nstatic-challenge 'PIN please' 0 concat")).profile
        .staticChallenge,
      { text: 'PIN please', echo: false, format: 'concat' }
    )
    assert.equal(parseWarns(withLines('static-challenge "x" 0'), 'ignored').staticChallenge, null)
    parseFails(withLines('static-challenge "x" 2'), 'invalid_argument', 1)
    parseFails(withLines('static-challenge "x"'), 'missing_argument', 1)
    parseFails(withLines('static-challenge "x" 1 other'), 'invalid_argument', 1)
  })
  void test('setenv: peer-info, UV_ only with push-peer-info, env, meta', () => {
    const text = withLines(
      'setenv IV_GUI_VER "my app 1.0"\nsetenv IV_SSO webauth,crtext\nsetenv UV_ROLE admin\nsetenv FOO bar\nsetenv opt FRIENDLY_NAME Office VPN'
    )
    const p = parseOk(text).profile
    assert.deepEqual(p.peerInfo, { IV_GUI_VER: 'my app 1.0', IV_SSO: 'webauth,crtext' })
    assert.equal(p.env.FOO, 'bar')
    assert.equal(p.meta.FRIENDLY_NAME, 'Office VPN')
    assert.equal(p.pushPeerInfo, false)
    const q = parseOk(withLines('push-peer-info', text)).profile
    assert.equal(q.peerInfo.UV_ROLE, 'admin')
    assert.equal(parseOk(withLines('setenv PUSH_PEER_INFO 1')).profile.pushPeerInfo, true)
    parseWarns(withLines('setenv IV_SSO webauth,smoke-signals'), 'ignored', 1)
    parseFails(withLines('setenv CLIENT_CERT maybe'), 'invalid_argument', 1)
    parseFails(withLines('setenv GENERIC_CONFIG 1'), 'server_locked', 1)
  })
  void test('setenv opt makes an unknown directive a warning, known ones still apply', () => {
    parseWarns(withLines('setenv opt block-something-new'), 'unknown_directive', 1)
    assert.equal(parseOk(withLines('setenv opt verb 5')).profile.verb, 5)
    parseFails(withLines('setenv opt'), 'missing_argument', 1)
  })
  void test('compression framing and allow-compression', () => {
    const cases: [string, string][] = [
      ['compress', 'stub'],
      ['compress stub', 'stub'],
      ['compress stub-v2', 'stub-v2'],
      ['comp-lzo no', 'lzo-stub'],
    ]
    for (const [line, framing] of cases) {
      assert.equal(parseOk(withLines(line)).profile.compression.framing, framing, line)
    }
    // openvpn 2.6.14: real compression turns allow-compression to asym, unless 'no' was given.
    const lz4 = parseWarns(withLines('compress lz4'), 'unsupported')
    assert.deepEqual(lz4.compression, { framing: 'lz4', allow: 'asym' })
    assert.deepEqual(parseOk(withLines('comp-lzo yes')).profile.compression, {
      framing: 'lzo',
      allow: 'asym',
    })
    parseFails(withLines('allow-compression no\ncompress lz4'), 'conflict', 1)
    assert.equal(
      parseOk(withLines('allow-compression no\ncompress stub')).profile.compression.allow,
      'no'
    )
    assert.equal(
      parseOk(withLines('allow-compression asym\ncompress lz4-v2')).profile.compression.allow,
      'asym'
    )
    parseWarns(withLines('comp-lzo'), 'deprecated', 1)
    assert.equal(parseOk(BASE).profile.compression.framing, 'none')
  })
  failsAll([
    ['compress zstd', 'invalid_argument'],
    ['compress migrate', 'server_only'],
    ['comp-lzo maybe', 'invalid_argument'],
    ['allow-compression always', 'invalid_argument'],
    ['auth-retry sometimes', 'invalid_argument'],
    ['setenv', 'missing_argument'],
    ['setenv A b c', 'too_many_arguments'],
  ])
})

void describe('timers, MTU and local behaviour', () => {
  void test('keepalive on a client is ping + ping-restart', () => {
    const p = parseOk(withLines('keepalive 10 60')).profile
    assert.equal(p.timers.ping, 10)
    assert.equal(p.timers.pingRestart, 60)
    parseFails(withLines('keepalive 10 15'), 'invalid_argument', 1)
  })
  void test('timers with defaults', () => {
    const d = parseOk(BASE).profile.timers
    assert.deepEqual(d, {
      ping: 0,
      pingRestart: 0,
      pingExit: 0,
      renegSec: 3600,
      renegBytes: null,
      renegPackets: null,
      handWindow: 60,
      tranWindow: 3600,
      tlsTimeout: 2,
      replayWindow: 64,
      replayTime: 15,
    })
    const p = parseOk(
      withLines(
        'ping 5\nping-restart 30\nping-exit 90\nreneg-sec 600\nreneg-bytes 1000000\nreneg-pkts 5000\nhand-window 30\ntran-window 100\ntls-timeout 4\nreplay-window 128 30'
      )
    ).profile.timers
    assert.deepEqual(p, {
      ping: 5,
      pingRestart: 30,
      pingExit: 90,
      renegSec: 600,
      renegBytes: 1000000,
      renegPackets: 5000,
      handWindow: 30,
      tranWindow: 100,
      tlsTimeout: 4,
      replayWindow: 128,
      replayTime: 30,
    })
  })
  void test('tun-mtu, mssfix, persist-*, verb, mute', () => {
    const p = parseOk(
      withLines(
        'tun-mtu 1400\nmssfix 1360 mtu\npersist-key\npersist-tun\nverb 4\nmute 20\nifconfig-nowarn'
      )
    )
    assert.equal(p.profile.tunMtu, 1400)
    assert.deepEqual(p.profile.mssfix, { value: 1360, mode: 'mtu' })
    assert.equal(p.profile.persistKey, true)
    assert.equal(p.profile.persistTun, true)
    assert.equal(p.profile.verb, 4)
    assert.equal(p.profile.mute, 20)
    assert.equal(p.warnings.length, 0)
    assert.deepEqual(parseOk(withLines('mssfix')).profile.mssfix, { value: 1492, mode: 'default' })
    assert.equal(parseOk(BASE).profile.tunMtu, 1500)
  })
  failsAll([
    ['ping x', 'invalid_argument'],
    ['ping-restart', 'missing_argument'],
    ['reneg-sec -5', 'invalid_argument'],
    ['tun-mtu 50', 'invalid_argument'],
    ['mssfix 1400 auto', 'invalid_argument'],
    ['verb -1', 'invalid_argument'],
    ['replay-window 0', 'invalid_argument'],
  ])
})

void describe('routes and DNS', () => {
  void test('route, route-ipv6, redirect-gateway, route-nopull', () => {
    const p = parseOk(
      withLines(
        'route-nopull\nroute 10.0.0.0 255.0.0.0\nroute 192.0.2.0 255.255.255.0 vpn_gateway 5\nroute remote_host 255.255.255.255 net_gateway\nroute-ipv6 2001:db8::/32\nroute-ipv6 ::/0 default 10\nredirect-gateway def1 bypass-dhcp ipv6\nroute-metric 50\nroute-gateway 198.18.0.1'
      )
    ).profile.routing
    assert.equal(p.routeNoPull, true)
    assert.deepEqual(
      p.routes.map((r) => [r.network, r.netmask, r.gateway, r.metric, r.line]),
      [
        ['10.0.0.0', '255.0.0.0', null, null, 2],
        ['192.0.2.0', '255.255.255.0', 'vpn_gateway', 5, 3],
        ['remote_host', '255.255.255.255', 'net_gateway', null, 4],
      ]
    )
    assert.deepEqual(
      p.routesIPv6.map((r) => [r.network, r.bits, r.gateway, r.metric]),
      [
        ['2001:db8::', 32, null, null],
        ['::', 0, null, 10],
      ]
    )
    assert.deepEqual(p.redirectGateway, {
      kind: 'redirect-gateway',
      flags: ['def1', 'bypass-dhcp', 'ipv6'],
    })
    assert.equal(p.routeMetric, 50)
    assert.equal(p.routeGateway, '198.18.0.1')
  })
  void test('dhcp-option, dns, block-*, pull-filter, allow-pull-fqdn', () => {
    const p = parseOk(
      withLines(
        'dhcp-option DNS 198.18.0.53\ndhcp-option DNS 2001:db8::53\ndhcp-option DOMAIN corp.example\ndhcp-option DOMAIN-SEARCH example.net\ndhcp-option DISABLE-NBT\ndns server 0 address 198.18.0.53\ndns search-domains example.org\nblock-ipv6\nblock-outside-dns\npull-filter ignore "route "\npull-filter reject redirect-gateway\nallow-pull-fqdn'
      )
    ).profile.routing
    assert.deepEqual(
      p.dhcpOptions.map((o) => [o.type, o.value, o.line]),
      [
        ['DNS', '198.18.0.53', 1],
        ['DNS', '2001:db8::53', 2],
        ['DOMAIN', 'corp.example', 3],
        ['DOMAIN-SEARCH', 'example.net', 4],
        ['DISABLE-NBT', null, 5],
      ]
    )
    assert.deepEqual(p.dns, [
      ['server', '0', 'address', '198.18.0.53'],
      ['search-domains', 'example.org'],
    ])
    assert.equal(p.blockIPv6, true)
    assert.equal(p.blockOutsideDns, true)
    assert.deepEqual(p.pullFilters, [
      { action: 'ignore', text: 'route ' },
      { action: 'reject', text: 'redirect-gateway' },
    ])
    assert.equal(p.allowPullFqdn, true)
    parseWarns(withLines('dhcp-option FUTURE-THING x'), 'ignored', 1)
    parseWarns(withLines('route 10.0.0.1 255.0.0.0'), 'invalid_argument', 1)
  })
  failsAll([
    ['route', 'missing_argument'],
    ['route 10.0.0.0 255.0.255.0', 'invalid_argument'],
    ['route 10.0.0.0 255.0.0.0 10.0.0.300', 'invalid_argument'],
    ['route 10.0.0.0 255.0.0.0 vpn_gateway x', 'invalid_argument'],
    ['route-ipv6 10.0.0.0/8', 'invalid_argument'],
    ['route-ipv6 2001:db8::/129', 'invalid_argument'],
    ['route-ipv6 ::/0 10.0.0.1', 'invalid_argument'],
    ['redirect-gateway def2', 'invalid_argument'],
    ['dhcp-option DNS', 'missing_argument'],
    ['dhcp-option DNS dns.example', 'invalid_argument'],
    ['dhcp-option DOMAIN 10.0.0.1', 'invalid_argument'],
    ['dhcp-option NBT 3', 'invalid_argument'],
    ['dhcp-option DISABLE-NBT 1', 'too_many_arguments'],
    ['dns resolver 1.1.1.1', 'invalid_argument'],
    ['dns server x address 1.1.1.1', 'invalid_argument'],
    ['dns server 0', 'missing_argument'],
    ['pull-filter drop route', 'invalid_argument'],
    ['route-gateway nowhere', 'invalid_argument'],
  ])
})

void describe('unknown, ignored and duplicated directives', () => {
  void test('unknown directives warn with their line; ignore-unknown-option silences them', () => {
    parseWarns(withLines('frobnicate 1'), 'unknown_directive', 1)
    const p = parseOk(withLines('ignore-unknown-option frobnicate\nfrobnicate 1'))
    assert.equal(p.warnings.length, 0)
  })
  void test('local-only directives are ignored with a warning', () => {
    assert.equal(parseWarns(withLines('verb 12'), 'ignored', 1).verb, 11)
    parseWarns(withLines('<dh>\nx\n</dh>'), 'ignored', 1)
    for (const d of [
      'mute-replay-warnings',
      'user nobody',
      'group nogroup',
      'topology subnet',
      'sndbuf 0',
    ]) {
      parseWarns(withLines(d), 'ignored', 1)
    }
  })
  void test('a repeated single-value directive warns and the last one wins', () => {
    const p = parseWarns(withLines('verb 3\nverb 5'), 'duplicate_option', 2)
    assert.equal(p.verb, 5)
    assert.equal(parseOk(withLines('verb 3\nverb 3')).warnings.length, 0)
  })
  void test('every issue of a bad profile is reported at once, in line order', async () => {
    const { renderIssues } = await import('./issues.js')
    const issues = parseFails(
      `client\ndev tap\nremote a 99999\ncipher X\nup /bin/sh\n${CREDENTIALS}`,
      'unsupported',
      2
    )
    assert.equal(
      renderIssues(issues),
      [
        "line 2: 'dev': 'tap': tap (layer 2) devices are not supported; use 'dev tun'",
        "line 3: 'remote': '99999' is not a port number (1–65535)",
        "line 4: 'cipher': unknown cipher 'X'",
        "line 5: 'up': refused: runs an external program when the tunnel comes up; not allowed in a client profile",
        "'dev': missing 'dev tun'",
        "'remote': missing 'remote' (or a <connection> block)",
      ].join('\n')
    )
  })
})

void describe('the whole directive table', () => {
  void test('every directive reports garbage arguments at its own line', async () => {
    const { DIRECTIVES } = await import('./directives.js')
    const { parseProfile } = await import('./parse.js')
    const { NOW } = await import('./test-support.js')
    const names = Object.keys(DIRECTIVES)
    assert.ok(names.length > 80)
    for (const name of names) {
      const r = parseProfile(
        withLines(`${name} @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@ @@@`),
        {
          now: NOW,
        }
      )
      const all = r.ok ? r.warnings : [...r.issues, ...r.warnings]
      assert.ok(
        all.some((i) => i.line === 1 && i.directive === name),
        `no issue for '${name}' at line 1: ${JSON.stringify(all)}`
      )
    }
  })
  void test('ncp-ciphers is the deprecated alias of data-ciphers', () => {
    const p = parseWarns(withLines('ncp-ciphers AES-128-GCM'), 'deprecated', 1)
    assert.deepEqual(p.dataCiphers, ['AES-128-GCM'])
  })
})
