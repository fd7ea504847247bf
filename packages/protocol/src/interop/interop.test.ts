/**
 * Interop tests against a stock OpenVPN 2.6 server in network namespaces (see lab.ts for the
 * topology). Each test starts its server(s), runs the probe (the engine) inside the client
 * namespace, and checks pushed config, ICMP echo through the data channel, and the server log.
 * Every test is bounded; the lab is removed in `after`, also on failure.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { EngineOptions } from '../options.js'
import { engineOptionsFromProfile } from '../profile-mapping.js'
import { parseProfile } from '../profile/index.js'
import {
  LAB_CHALLENGE_RESPONSE,
  LAB_USER,
  Lab,
  type LabServer,
  type ProbeInput,
  type ProbeResult,
  SERVER_ADDR,
  type ServerSpec,
  canRunLab,
} from './lab.js'

const skip = canRunLab() ?? false
let lab: Lab | undefined

function baseOptions(l: Lab, s: LabServer, extra: Partial<EngineOptions> = {}): EngineOptions {
  const tlsWrap: EngineOptions['tlsWrap'] =
    s.spec.kind === 'tls-auth'
      ? { mode: 'tls-auth', key: l.pki.tlsAuthKey, direction: 1 }
      : s.spec.kind === 'tls-crypt'
        ? { mode: 'tls-crypt', key: l.pki.tlsCryptKey }
        : s.spec.kind === 'tls-crypt-v2'
          ? { mode: 'tls-crypt-v2', key: s.tlsCryptV2ClientKey ?? '' }
          : { mode: 'none' }
  return {
    remotes: [{ host: SERVER_ADDR, port: s.port, proto: s.proto }],
    ca: l.pki.ca,
    cert: l.pki.clientCert,
    key: l.pki.clientKey,
    tlsWrap,
    remoteCertTls: 'server',
    explicitExitNotify: 1,
    connectRetryMax: 1,
    handWindow: 10,
    ...extra,
  }
}

async function withServer(
  spec: ServerSpec,
  run: (l: Lab, s: LabServer) => Promise<void>
): Promise<void> {
  const l = lab
  assert.ok(l, 'lab not started')
  const s = await l.startServer(spec)
  try {
    await run(l, s)
  } finally {
    await s.stop()
  }
}

async function probe(
  l: Lab,
  s: LabServer,
  extra: Partial<EngineOptions> = {},
  more: Partial<ProbeInput> = {}
): Promise<ProbeResult> {
  const input: ProbeInput = {
    options: baseOptions(l, s, extra),
    target: s.tunnelServerIp,
    pings: 3,
    pingIntervalMs: 100,
    timeoutMs: 30_000,
    ...more,
  }
  return l.runProbe(input, input.timeoutMs + 10_000)
}

function assertTunnelWorks(r: ProbeResult): void {
  assert.equal(
    r.error,
    undefined,
    `unexpected error: ${JSON.stringify(r.error)}\n${r.log.join('\n')}`
  )
  assert.ok(r.connected, 'connected')
  assert.ok(r.sent >= 3, 'pings sent')
  assert.equal(r.received, r.sent, `all pings answered (${r.received}/${r.sent})`)
}

async function waitForLog(s: LabServer, re: RegExp, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!re.test(s.log())) {
    if (Date.now() > until) assert.fail(`server log lacks ${re}:\n${s.log().slice(-1500)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

void describe('interop with a stock OpenVPN 2.6 server', { skip, timeout: 300_000 }, () => {
  before(() => {
    lab = Lab.start()
  })
  after(async () => {
    await lab?.close()
  })

  void test(
    'cert only (UDP): pushed config, ICMP through the tunnel, exit notification',
    { timeout: 60_000 },
    async () => {
      await withServer(
        {
          kind: 'cert',
          extra: [
            'push "dns server 1 address 198.18.0.54"',
            'push "dns search-domains corp.lab.example"',
          ],
        },
        async (l, s) => {
          const r = await probe(l, s)
          assertTunnelWorks(r)
          assert.equal(r.cipher, 'AES-256-GCM')
          assert.equal(r.keyDerivation, 'tls-ekm')
          assert.equal(r.peerId, 0)
          assert.equal(r.config?.topology, 'subnet')
          assert.equal(r.localIp, `198.18.${s.index}.2`)
          assert.equal(r.config?.routeGateway, s.tunnelServerIp)
          assert.deepEqual(r.config?.remote, { address: SERVER_ADDR, port: s.port, proto: 'udp' })
          assert.deepEqual(r.config?.dnsServers, ['198.18.0.53'])
          assert.equal(r.config?.dnsDomain, 'lab.example')
          assert.deepEqual(r.config?.dns, [
            { priority: 1, addresses: ['198.18.0.54'], resolveDomains: [] },
          ])
          assert.deepEqual(r.config?.searchDomains, ['corp.lab.example'])
          assert.deepEqual(r.config?.routes, [
            { network: `198.19.${s.index}.0`, netmask: '255.255.255.0' },
          ])
          await waitForLog(s, /CC-EEN exit message received by peer/)
          assert.match(s.log(), /peer info: IV_PROTO=990/)
          assert.match(s.log(), /peer info: IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305/)
          assert.match(s.log(), /peer info: IV_NCP=2/)
        }
      )
    }
  )

  void test('tls-auth', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-auth' }, async (l, s) => assertTunnelWorks(await probe(l, s)))
  })

  void test('tls-crypt', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-crypt' }, async (l, s) => assertTunnelWorks(await probe(l, s)))
  })

  void test('tls-crypt-v2 (with early negotiation / WKc resend)', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-crypt-v2', forceCookie: true }, async (l, s) => {
      assertTunnelWorks(await probe(l, s))
    })
  })

  void test('user/password', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'userpass' }, async (l, s) => {
      const r = await probe(l, s, { authUserPass: true, ...LAB_USER })
      assertTunnelWorks(r)
      assert.match(s.log(), /TLS: Username\/Password authentication succeeded for username 'alice'/)
      assert.ok(
        r.log.every((line) => !line.includes(LAB_USER.password)),
        'no log line contains the password'
      )
    })
  })

  void test('static challenge answered through needs-input', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'static-challenge' }, async (l, s) => {
      const r = await probe(
        l,
        s,
        { authUserPass: true, ...LAB_USER, staticChallenge: { text: 'Enter PIN', echo: true } },
        { input: { challengeResponse: LAB_CHALLENGE_RESPONSE } }
      )
      assert.deepEqual(r.needsInput, ['static-challenge'])
      assertTunnelWorks(r)
    })
  })

  void test('TCP with tls-crypt', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-crypt', proto: 'tcp' }, async (l, s) => {
      const r = await probe(l, s)
      assertTunnelWorks(r)
    })
  })

  for (const [serverCiphers, expected] of [
    ['AES-128-GCM', 'AES-128-GCM'],
    ['CHACHA20-POLY1305:AES-256-GCM', 'CHACHA20-POLY1305'],
    ['AES-256-GCM:AES-128-GCM', 'AES-256-GCM'],
  ] as const) {
    void test(
      `server data-ciphers ${serverCiphers} → ${expected}`,
      { timeout: 60_000 },
      async () => {
        await withServer(
          { kind: 'tls-crypt', extra: [`data-ciphers ${serverCiphers}`] },
          async (l, s) => {
            const r = await probe(l, s)
            assertTunnelWorks(r)
            assert.equal(r.cipher, expected)
          }
        )
      }
    )
  }

  for (const [name, lines] of [
    ['compress stub-v2', ['compress stub-v2', 'push "compress stub-v2"']],
    ['compress stub', ['compress stub', 'push "compress stub"']],
    ['comp-lzo no', ['comp-lzo no', 'push "comp-lzo no"']],
  ] as const) {
    void test(
      `compression framing pushed by the server: ${name}`,
      { timeout: 60_000 },
      async () => {
        await withServer(
          { kind: 'tls-crypt', extra: [...lines, 'allow-compression asym'] },
          async (l, s) => {
            const r = await probe(l, s)
            assertTunnelWorks(r)
            assert.equal(r.stats?.decryptErrors, 0)
            assert.match(s.log(), new RegExp(`SENT CONTROL .*PUSH_REPLY,.*${name}`))
          }
        )
      }
    )
  }

  void test(
    'legacy PRF key derivation (client does not announce tls-ekm)',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-auth' }, async (l, s) => {
        const r = await probe(l, s, { keyDerivation: 'prf' })
        assertTunnelWorks(r)
        assert.equal(r.keyDerivation, 'prf')
        assert.match(s.log(), /peer info: IV_PROTO=470/)
      })
    }
  )

  void test(
    'legacy AES-256-CBC + HMAC-SHA256 data channel with PRF',
    { timeout: 60_000 },
    async () => {
      await withServer(
        { kind: 'tls-crypt', extra: ['data-ciphers AES-256-CBC', 'auth SHA256'] },
        async (l, s) => {
          const r = await probe(l, s, {
            keyDerivation: 'prf',
            dataCiphers: ['AES-256-CBC'],
            auth: 'SHA256',
          })
          assertTunnelWorks(r)
          assert.equal(r.cipher, 'AES-256-CBC')
        }
      )
    }
  )

  void test(
    'renegotiation every 5 s: a 20 s ping stream survives key rotations',
    { timeout: 90_000 },
    async () => {
      await withServer({ kind: 'tls-crypt', extra: ['reneg-sec 5'] }, async (l, s) => {
        const r = await probe(l, s, {}, { pings: 40, pingIntervalMs: 500, timeoutMs: 60_000 })
        assert.equal(r.error, undefined, JSON.stringify(r.error))
        assert.ok(r.renegotiations >= 2, `renegotiations: ${r.renegotiations}\n${r.log.join('\n')}`)
        assert.ok(r.lost <= 1, `lost ${r.lost} of ${r.sent}`)
        assert.ok(r.sent >= 35)
        assert.ok(
          r.log.some((line) => line.includes('dynamic tls-crypt enabled')),
          'dyn-tls-crypt negotiated'
        )
        assert.match(s.log(), /protocol-flags cc-exit tls-ekm dyn-tls-crypt/)
      })
    }
  )

  void test(
    'client-initiated renegotiation (reneg-sec 4 on the client)',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-auth' }, async (l, s) => {
        const r = await probe(
          l,
          s,
          { renegSec: 4, dynTlsCrypt: false },
          { pings: 20, pingIntervalMs: 500, timeoutMs: 40_000 }
        )
        assert.equal(r.error, undefined, JSON.stringify(r.error))
        assert.ok(r.renegotiations >= 1, `renegotiations: ${r.renegotiations}`)
        assert.ok(r.lost <= 1, `lost ${r.lost} of ${r.sent}`)
      })
    }
  )

  void test(
    'a parsed .ovpn profile maps onto engine options and connects',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-auth', extra: ['data-ciphers AES-128-GCM'] }, async (l, s) => {
        const text = [
          'client',
          'dev tun',
          'proto udp',
          `remote ${SERVER_ADDR} ${s.port}`,
          'nobind',
          'remote-cert-tls server',
          'verify-x509-name vpn-server name',
          'data-ciphers AES-256-GCM:AES-128-GCM',
          'key-direction 1',
          'explicit-exit-notify 1',
          'connect-retry-max 1',
          'setenv IV_GUI_VER openvpn3-ts-test_1.0',
          `<ca>\n${l.pki.ca}</ca>`,
          `<cert>\n${l.pki.clientCert}</cert>`,
          `<key>\n${l.pki.clientKey}</key>`,
          `<tls-auth>\n${l.pki.tlsAuthKey}</tls-auth>`,
          '',
        ].join('\n')
        const parsed = parseProfile(text)
        assert.ok(parsed.ok, JSON.stringify(parsed.ok ? [] : parsed.issues))
        const options = engineOptionsFromProfile(parsed.profile)
        const r = await l.runProbe(
          { options, target: s.tunnelServerIp, pings: 3, pingIntervalMs: 100, timeoutMs: 30_000 },
          40_000
        )
        assertTunnelWorks(r)
        assert.equal(r.cipher, 'AES-128-GCM')
        assert.match(s.log(), /peer info: IV_GUI_VER=openvpn3-ts-test_1.0/)
        await waitForLog(s, /CC-EEN exit message received by peer/)
      })
    }
  )

  void test(
    'auth-token is reused on renegotiation (auth-nocache)',
    { timeout: 60_000 },
    async () => {
      await withServer(
        { kind: 'userpass', extra: ['auth-gen-token 0 120', 'reneg-sec 4'] },
        async (l, s) => {
          const r = await probe(
            l,
            s,
            { authUserPass: true, ...LAB_USER, authNoCache: true },
            { pings: 20, pingIntervalMs: 500, timeoutMs: 40_000 }
          )
          assert.equal(r.error, undefined, JSON.stringify(r.error))
          assert.ok(r.renegotiations >= 1, `renegotiations: ${r.renegotiations}`)
          assert.ok(r.lost <= 1, `lost ${r.lost}`)
          assert.match(s.log(), /auth-token authentication succeeded/)
        }
      )
    }
  )

  void test(
    'keepalive: idle gaps longer than the server ping-restart do not drop the tunnel',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt', extra: ['keepalive 1 4'] }, async (l, s) => {
        const r = await probe(l, s, {}, { pings: 3, pingIntervalMs: 9000, timeoutMs: 40_000 })
        assert.equal(r.error, undefined, JSON.stringify(r.error))
        assert.equal(r.received, 3)
        assert.equal(r.stats?.reconnects, 0)
        assert.doesNotMatch(s.log(), /Inactivity timeout/)
        assert.match(r.log.join('\n'), /ping 1\/4/)
      })
    }
  )

  void test(
    'pause and resume reconnect and the tunnel works again',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt' }, async (l, s) => {
        const r = await probe(l, s, {}, { pauseResume: true })
        assert.equal(r.error, undefined, JSON.stringify(r.error))
        assert.ok(r.resumed, `resumed; statuses ${r.statuses.join(',')}`)
        assert.equal(r.receivedAfterResume, 3)
        assert.ok(r.statuses.includes('paused'))
      })
    }
  )

  void test('reneg-bytes triggers a client renegotiation', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-crypt' }, async (l, s) => {
      const r = await probe(
        l,
        s,
        { renegBytes: 600 },
        { pings: 12, pingIntervalMs: 300, timeoutMs: 30_000 }
      )
      assert.equal(r.error, undefined, JSON.stringify(r.error))
      assert.ok(r.renegotiations >= 1, `renegotiations: ${r.renegotiations}`)
      assert.ok(r.lost <= 1, `lost ${r.lost} of ${r.sent}`)
    })
  })

  void test(
    'TLS 1.2 (client tls-version-max 1.2): EKM keys under TLS 1.2 work',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt' }, async (l, s) => {
        const r = await probe(l, s, { tlsVersionMax: '1.2' })
        assertTunnelWorks(r)
        assert.equal(r.keyDerivation, 'tls-ekm')
        assert.ok(
          r.log.some((line) => /TLS TLSv1\.2 /.test(line)),
          r.log.join('\n')
        )
        assert.match(s.log(), /Control Channel: TLSv1\.2/)
      })
    }
  )

  void test(
    'tls-version-min 1.3 against a TLS 1.2-only server fails cleanly',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt', extra: ['tls-version-max 1.2'] }, async (l, s) => {
        // the 2.6 server drops the session on its TLS error without flushing the alert, so the
        // client sees the handshake not completing within the hand-window (as a 2.6 client does)
        const r = await probe(l, s, { tlsVersionMin: '1.3', handWindow: 4 })
        assert.ok(!r.connected)
        assert.ok(
          ['TlsHandshakeError', 'HandshakeTimeoutError'].includes(r.error?.causeName ?? ''),
          JSON.stringify(r.error)
        )
        assert.match(s.log(), /TLS error|TLS_ERROR|unsupported protocol/i)
      })
    }
  )

  void test(
    'auth-token is reused on reconnect (pause/resume with auth-nocache)',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'userpass', extra: ['auth-gen-token 0 120'] }, async (l, s) => {
        const r = await probe(
          l,
          s,
          { authUserPass: true, ...LAB_USER, authNoCache: true },
          { pauseResume: true, timeoutMs: 30_000 }
        )
        assert.equal(r.error, undefined, JSON.stringify(r.error))
        assert.ok(r.resumed)
        assert.equal(r.receivedAfterResume, 3)
        assert.deepEqual(r.needsInput, [], 'no credentials asked: the token was used')
        assert.match(s.log(), /auth-token authentication succeeded/)
      })
    }
  )

  void test(
    'peer-fingerprint without a CA pins the server certificate',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt' }, async (l, s) => {
        const fp = new X509Certificate(readFileSync(join(l.dir, 'server.crt'))).fingerprint256
        const base = baseOptions(l, s)
        delete base.ca
        const r = await l.runProbe(
          {
            options: { ...base, peerFingerprints: [fp] },
            target: s.tunnelServerIp,
            pings: 3,
            pingIntervalMs: 100,
            timeoutMs: 30_000,
          },
          40_000
        )
        assertTunnelWorks(r)
        const wrong = await l.runProbe(
          {
            options: {
              ...base,
              peerFingerprints: [fp.replace(/^../, fp.startsWith('00') ? '11' : '00')],
            },
            target: s.tunnelServerIp,
            pings: 1,
            pingIntervalMs: 100,
            timeoutMs: 30_000,
          },
          40_000
        )
        assert.ok(!wrong.connected)
        assert.equal(wrong.error?.causeName, 'CertificateVerifyError')
      })
    }
  )

  void test(
    'every 4th control packet lost both ways: handshake and renegotiation complete by retransmission',
    { timeout: 90_000 },
    async () => {
      await withServer({ kind: 'tls-crypt', extra: ['reneg-sec 6'] }, async (l, s) => {
        const r = await probe(
          l,
          s,
          { handWindow: 50 },
          { controlDropEvery: 4, pings: 40, pingIntervalMs: 500, timeoutMs: 70_000 }
        )
        assert.equal(r.error, undefined, `${JSON.stringify(r.error)}\n${r.log.join('\n')}`)
        assert.ok((r.controlDropped ?? 0) >= 4, `dropped ${r.controlDropped}`)
        assert.ok(r.renegotiations >= 1, `renegotiations ${r.renegotiations}`)
        assert.ok(r.lost <= 2, `lost ${r.lost} of ${r.sent}`)
      })
    }
  )

  void test('wrong CA fails with a certificate error, no hang', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-crypt' }, async (l, s) => {
      const r = await probe(l, s, { ca: l.pki.wrongCa })
      assert.ok(!r.connected)
      assert.equal(r.error?.name, 'ConnectAttemptsExhaustedError')
      assert.equal(r.error?.causeName, 'CertificateVerifyError')
    })
  })

  void test(
    'server certificate without serverAuth EKU is refused (remote-cert-tls server)',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt', noEku: true }, async (l, s) => {
        const r = await probe(l, s)
        assert.ok(!r.connected)
        assert.equal(r.error?.causeName, 'CertificateVerifyError')
        assert.match(r.error?.message ?? '', /EKU serverAuth/)
      })
    }
  )

  void test('verify-x509-name mismatch is refused', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'tls-crypt' }, async (l, s) => {
      const ok = await probe(l, s, { verifyX509Name: { name: 'vpn-server', type: 'name' } })
      assertTunnelWorks(ok)
      const bad = await probe(l, s, { verifyX509Name: { name: 'other-server', type: 'name' } })
      assert.ok(!bad.connected)
      assert.equal(bad.error?.causeName, 'CertificateVerifyError')
      assert.match(bad.error?.message ?? '', /verify-x509-name/)
    })
  })

  void test('wrong password: AUTH_FAILED', { timeout: 60_000 }, async () => {
    await withServer({ kind: 'userpass' }, async (l, s) => {
      const r = await probe(l, s, {
        authUserPass: true,
        username: LAB_USER.username,
        password: 'wrong',
      })
      assert.ok(!r.connected)
      assert.equal(r.error?.name, 'AuthFailedError')
      assert.ok(r.statuses.includes('auth-failed'))
    })
  })

  void test(
    'wrong tls-crypt key: handshake timeout reported as such',
    { timeout: 60_000 },
    async () => {
      await withServer({ kind: 'tls-crypt' }, async (l, s) => {
        const r = await probe(l, s, {
          tlsWrap: { mode: 'tls-crypt', key: l.pki.tlsAuthKey },
          handWindow: 3,
        })
        assert.ok(!r.connected)
        assert.equal(r.error?.causeName, 'HandshakeTimeoutError')
        assert.match(r.error?.message ?? '', /no reply from the server/)
      })
    }
  )

  void test(
    'server gone: reconnects, then gives up after the configured attempts',
    { timeout: 90_000 },
    async () => {
      const l = lab
      assert.ok(l)
      const s = await l.startServer({ kind: 'tls-crypt', extra: ['explicit-exit-notify 1'] })
      try {
        const started = l.runProbe(
          {
            options: baseOptions(l, s, {
              pingRestart: 3,
              handWindow: 3,
              connectRetry: 1,
              connectRetryMax: 2,
            }),
            target: s.tunnelServerIp,
            pings: 60,
            pingIntervalMs: 500,
            timeoutMs: 45_000,
          },
          60_000
        )
        await new Promise((r) => setTimeout(r, 3000))
        await s.stop()
        const r = await started
        assert.ok(r.connected, 'was connected before the server went away')
        assert.ok(r.received >= 1)
        assert.equal(r.error?.name, 'ConnectAttemptsExhaustedError')
        assert.ok(r.statuses.includes('reconnecting'))
        assert.ok((r.stats?.reconnects ?? 0) >= 1)
        assert.ok(
          r.log.some((line) => /server requested restart|server sent EXIT/.test(line)),
          `server's shutdown notification seen:\n${r.log.join('\n')}`
        )
      } finally {
        await s.stop()
      }
    }
  )
})
