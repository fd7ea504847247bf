/**
 * Interactive authentication against a stock 2.6 server whose `management-client-auth`
 * interface is driven by the test (spec §17.2–§17.5): CRV1 dynamic challenge (AUTH_FAILED,CRV1
 * → needs-input → reconnect with CRV1::state::response), CR_TEXT pending auth (INFO_PRE →
 * needs-input → CR_RESPONSE over the control channel), WEB_AUTH pending auth (open-url event),
 * and an encrypted private key (private-key-passphrase input).
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { type Socket, connect } from 'node:net'
import { join } from 'node:path'
import type { EngineOptions } from '../options.js'
import { LAB_USER, Lab, type LabServer, SERVER_ADDR, canRunLab } from './lab.js'

const skip = canRunLab() ?? false
let lab: Lab | undefined

interface ConnectRequest {
  cid: string
  kid: string
  env: Map<string, string>
}

/** Minimal management-interface client that answers CLIENT:CONNECT with a callback. */
class ManagementAuth {
  private buf = ''
  private pending: ConnectRequest | undefined
  readonly crResponses: string[] = []
  private constructor(
    private readonly sock: Socket,
    private readonly decide: (req: ConnectRequest, m: ManagementAuth) => void,
    private readonly onCrResponse: (
      cid: string,
      kid: string,
      b64: string,
      m: ManagementAuth
    ) => void
  ) {
    sock.on('data', (d: Buffer) => this.onData(d.toString('utf8')))
  }

  static async open(
    path: string,
    decide: (req: ConnectRequest, m: ManagementAuth) => void,
    onCrResponse: (cid: string, kid: string, b64: string, m: ManagementAuth) => void = () =>
      undefined
  ): Promise<ManagementAuth> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect(path, () => resolve(s))
      s.once('error', reject)
    })
    return new ManagementAuth(sock, decide, onCrResponse)
  }

  send(cmd: string): void {
    this.sock.write(`${cmd}\n`)
  }

  private onData(text: string): void {
    this.buf += text
    let i: number
    while ((i = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, i).replace(/\r$/, '')
      this.buf = this.buf.slice(i + 1)
      this.onLine(line)
    }
  }

  private onLine(line: string): void {
    let m = /^>CLIENT:(CONNECT|REAUTH),(\d+),(\d+)/.exec(line)
    if (m?.[2] && m[3]) {
      this.pending = { cid: m[2], kid: m[3], env: new Map() }
      return
    }
    m = /^>CLIENT:CR_RESPONSE,(\d+),(\d+),(.*)$/.exec(line)
    if (m?.[1] && m[2]) {
      this.crResponses.push(m[3] ?? '')
      this.onCrResponse(m[1], m[2], m[3] ?? '', this)
      return
    }
    if (line === '>CLIENT:ENV,END' && this.pending) {
      const req = this.pending
      this.pending = undefined
      this.decide(req, this)
      return
    }
    const env = /^>CLIENT:ENV,([^=]+)=(.*)$/.exec(line)
    if (env?.[1] && this.pending) this.pending.env.set(env[1], env[2] ?? '')
  }

  close(): void {
    this.sock.destroy()
  }
}

function options(l: Lab, s: LabServer, extra: Partial<EngineOptions> = {}): EngineOptions {
  return {
    remotes: [{ host: SERVER_ADDR, port: s.port, proto: s.proto }],
    ca: l.pki.ca,
    cert: l.pki.clientCert,
    key: l.pki.clientKey,
    tlsWrap: { mode: 'tls-crypt', key: l.pki.tlsCryptKey },
    remoteCertTls: 'server',
    connectRetryMax: 2,
    connectRetry: 1,
    handWindow: 10,
    authUserPass: true,
    ...LAB_USER,
    ...extra,
  }
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64')

void describe(
  'interactive authentication via a management-driven 2.6 server',
  { skip, timeout: 180_000 },
  () => {
    before(() => {
      lab = Lab.start()
    })
    after(async () => {
      await lab?.close()
    })

    void test(
      'CRV1 dynamic challenge: needs-input, reconnect with the response',
      { timeout: 60_000 },
      async () => {
        const l = lab
        assert.ok(l)
        const s = await l.startServer({ kind: 'tls-crypt', managementClientAuth: true })
        const seen: string[] = []
        const mgmt = await ManagementAuth.open(s.managementPath ?? '', (req, m) => {
          const pw = req.env.get('password') ?? ''
          seen.push(pw.startsWith('CRV1::') ? pw : '<password>')
          if (pw === 'CRV1::st4te::424242' && req.env.get('username') === LAB_USER.username) {
            m.send(`client-auth-nt ${req.cid} ${req.kid}`)
          } else if (pw === LAB_USER.password) {
            m.send(
              `client-deny ${req.cid} ${req.kid} "otp" "CRV1:R,E:st4te:${b64(LAB_USER.username)}:Enter the OTP"`
            )
          } else m.send(`client-deny ${req.cid} ${req.kid} "bad"`)
        })
        try {
          const r = await l.runProbe(
            {
              options: options(l, s),
              target: s.tunnelServerIp,
              pings: 3,
              pingIntervalMs: 100,
              timeoutMs: 40_000,
              input: { challengeResponse: '424242' },
            },
            50_000
          )
          assert.equal(r.error, undefined, `${JSON.stringify(r.error)}\n${r.log.join('\n')}`)
          assert.deepEqual(r.needsInput, ['dynamic-challenge'])
          assert.equal(r.received, 3)
          assert.deepEqual(seen, ['<password>', 'CRV1::st4te::424242'])
          assert.ok(
            r.log.every((line) => !line.includes(LAB_USER.password) && !line.includes('424242'))
          )
        } finally {
          mgmt.close()
          await s.stop()
        }
      }
    )

    void test(
      'CR_TEXT pending auth: needs-input, CR_RESPONSE over the control channel',
      { timeout: 60_000 },
      async () => {
        const l = lab
        assert.ok(l)
        const s = await l.startServer({ kind: 'tls-crypt', managementClientAuth: true })
        const mgmt = await ManagementAuth.open(
          s.managementPath ?? '',
          (req, m) =>
            m.send(`client-pending-auth ${req.cid} ${req.kid} "CR_TEXT:E,R:Enter PIN" 30`),
          (cid, kid, response, m) => {
            if (response === b64('9999')) m.send(`client-auth-nt ${cid} ${kid}`)
            else m.send(`client-deny ${cid} ${kid} "wrong pin"`)
          }
        )
        try {
          const r = await l.runProbe(
            {
              options: options(l, s, { setenv: { IV_SSO: 'crtext,webauth' } }),
              target: s.tunnelServerIp,
              pings: 3,
              pingIntervalMs: 100,
              timeoutMs: 40_000,
              input: { challengeResponse: '9999' },
            },
            50_000
          )
          assert.equal(r.error, undefined, `${JSON.stringify(r.error)}\n${r.log.join('\n')}`)
          assert.deepEqual(r.needsInput, ['cr-text'])
          assert.deepEqual(mgmt.crResponses, [b64('9999')])
          assert.equal(r.received, 3)
        } finally {
          mgmt.close()
          await s.stop()
        }
      }
    )

    void test(
      'WEB_AUTH pending auth: open-url event, connects once the server approves',
      { timeout: 60_000 },
      async () => {
        const l = lab
        assert.ok(l)
        const s = await l.startServer({ kind: 'tls-crypt', managementClientAuth: true })
        const mgmt = await ManagementAuth.open(s.managementPath ?? '', (req, m) => {
          m.send(
            `client-pending-auth ${req.cid} ${req.kid} "WEB_AUTH::https://auth.lab.example/session/1" 30`
          )
          setTimeout(() => m.send(`client-auth-nt ${req.cid} ${req.kid}`), 1500)
        })
        try {
          const r = await l.runProbe(
            {
              options: options(l, s, { setenv: { IV_SSO: 'webauth' } }),
              target: s.tunnelServerIp,
              pings: 3,
              pingIntervalMs: 100,
              timeoutMs: 40_000,
            },
            50_000
          )
          assert.equal(r.error, undefined, `${JSON.stringify(r.error)}\n${r.log.join('\n')}`)
          assert.deepEqual(r.needsInput, ['open-url'])
          assert.equal(r.received, 3)
        } finally {
          mgmt.close()
          await s.stop()
        }
      }
    )

    void test(
      'encrypted private key: private-key-passphrase input',
      { timeout: 60_000 },
      async () => {
        const l = lab
        assert.ok(l)
        const s = await l.startServer({ kind: 'tls-crypt' })
        try {
          const encPath = join(l.dir, 'client-enc.key')
          execFileSync('openssl', [
            'pkcs8',
            '-topk8',
            '-in',
            join(l.dir, 'client.key'),
            '-out',
            encPath,
            '-v2',
            'aes-256-cbc',
            '-passout',
            'pass:key-pass-1',
          ])
          const r = await l.runProbe(
            {
              options: options(l, s, { authUserPass: false, key: readFileSync(encPath, 'utf8') }),
              target: s.tunnelServerIp,
              pings: 3,
              pingIntervalMs: 100,
              timeoutMs: 30_000,
              input: { keyPassphrase: 'key-pass-1' },
            },
            40_000
          )
          assert.equal(r.error, undefined, `${JSON.stringify(r.error)}\n${r.log.join('\n')}`)
          assert.deepEqual(r.needsInput, ['private-key-passphrase'])
          assert.equal(r.received, 3)
          const wrong = await l.runProbe(
            {
              options: options(l, s, {
                authUserPass: false,
                key: readFileSync(encPath, 'utf8'),
                connectRetryMax: 1,
              }),
              target: s.tunnelServerIp,
              pings: 1,
              pingIntervalMs: 100,
              timeoutMs: 30_000,
              input: { keyPassphrase: 'not-the-passphrase' },
            },
            40_000
          )
          assert.ok(!wrong.connected)
          assert.equal(wrong.error?.causeName, 'TlsHandshakeError', JSON.stringify(wrong.error))
        } finally {
          await s.stop()
        }
      }
    )
  }
)
