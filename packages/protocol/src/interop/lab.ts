/**
 * @module interop/lab
 * A small namespace lab for the engine's interop tests and benchmarks (test-only; the shared
 * `@openvpn3-ts/testkit` lab is the general one):
 *
 *   ┌──────────── ovc-<sfx> ────────────┐         ┌──────────── ovs-<sfx> ─────────────┐
 *   │ probe (engine, MemoryTun)         │  veth   │ openvpn 2.6 --server (one per spec) │
 *   │ vc<sfx> 192.0.2.2/24              ├─────────┤ vs<sfx> 192.0.2.1/24                │
 *   └───────────────────────────────────┘         │ tun ot<sfx><n> 198.18.<n>.1/24      │
 *                                                 └─────────────────────────────────────┘
 *
 * PKI (EC P-256, openssl CLI): CA, server cert (serverAuth EKU + keyUsage), server cert
 * without EKU, client cert, and an unrelated CA. No namespace has a route out.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { EngineOptions } from '../options.js'
import type { InputResponse } from '../session/client.js'
import type { NetworkConfig } from '../session/network-config.js'
import type { EngineStats } from '../session/stats.js'

export const SERVER_ADDR = '192.0.2.1'
export const CLIENT_ADDR = '192.0.2.2'

export interface LabPki {
  dir: string
  ca: string
  clientCert: string
  clientKey: string
  wrongCa: string
  tlsAuthKey: string
  tlsCryptKey: string
}

export type ServerKind =
  'cert' | 'tls-auth' | 'tls-crypt' | 'tls-crypt-v2' | 'userpass' | 'static-challenge'

export interface ServerSpec {
  kind: ServerKind
  proto?: 'udp' | 'tcp'
  /** Server certificate without EKU (for the remote-cert-tls failure test). */
  noEku?: boolean
  /** tls-crypt-v2 only: refuse clients without the early-negotiation marker. */
  forceCookie?: boolean
  /** Management socket with `management-client-auth`: the test decides each authentication. */
  managementClientAuth?: boolean
  extra?: string[]
}

export interface LabServer {
  spec: ServerSpec
  proto: 'udp' | 'tcp'
  port: number
  index: number
  tunnelServerIp: string
  /** tls-crypt-v2 client key for this server. */
  tlsCryptV2ClientKey?: string
  /** Unix socket of the management interface (with managementClientAuth). */
  managementPath?: string
  pid: number
  log(): string
  stop(): Promise<void>
}

export const LAB_USER = { username: 'alice', password: 's3cret-pass' }
export const LAB_CHALLENGE_RESPONSE = '8675309'

function sh(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
}

export function canRunLab(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces'
  try {
    sh('openvpn', ['--version'])
  } catch {
    return 'openvpn binary not installed'
  }
  if (!existsSync('/dev/net/tun')) return 'no /dev/net/tun'
  return undefined
}

function makePki(dir: string): LabPki {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  const p = (n: string): string => join(dir, n)
  const mkCa = (name: string): void => {
    sh('openssl', [
      'req',
      '-x509',
      ...ec,
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.crt`),
      '-subj',
      `/CN=${name}`,
      '-days',
      '3',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ])
  }
  mkCa('ca')
  mkCa('wrongca')
  const issue = (name: string, cn: string, ext: string): void => {
    writeFileSync(p(`${name}.ext`), ext)
    sh('openssl', [
      'req',
      ...ec,
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.csr`),
      '-subj',
      `/O=Lab/CN=${cn}`,
    ])
    sh('openssl', [
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-out',
      p(`${name}.crt`),
      '-days',
      '3',
      '-extfile',
      p(`${name}.ext`),
    ])
  }
  issue(
    'server',
    'vpn-server',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\nextendedKeyUsage=serverAuth\n'
  )
  issue(
    'noeku',
    'vpn-server',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyAgreement\n'
  )
  issue(
    'client',
    'client1',
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n'
  )
  sh('openvpn', ['--genkey', 'secret', p('ta.key')])
  sh('openvpn', ['--genkey', 'secret', p('tc.key')])
  sh('openvpn', ['--genkey', 'tls-crypt-v2-server', p('tcv2-server.key')])
  const auth = `#!/bin/sh
u=$(sed -n 1p "$1"); p=$(sed -n 2p "$1")
[ "$u" = "${LAB_USER.username}" ] || exit 1
[ "$p" = "${LAB_USER.password}" ] && exit 0
sc="SCRV1:$(printf %s '${LAB_USER.password}' | base64):$(printf %s '${LAB_CHALLENGE_RESPONSE}' | base64)"
[ "$p" = "$sc" ] && [ -f "$(dirname "$0")/allow-challenge" ] && exit 0
exit 1
`
  writeFileSync(p('auth.sh'), auth)
  chmodSync(p('auth.sh'), 0o755)
  writeFileSync(p('allow-challenge'), '')
  const r = (n: string): string => readFileSync(p(n), 'utf8')
  return {
    dir,
    ca: r('ca.crt'),
    clientCert: r('client.crt'),
    clientKey: r('client.key'),
    wrongCa: r('wrongca.crt'),
    tlsAuthKey: r('ta.key'),
    tlsCryptKey: r('tc.key'),
  }
}

export class Lab {
  readonly suffix = randomBytes(2).toString('hex')
  readonly clientNs = `ovc-${this.suffix}`
  readonly serverNs = `ovs-${this.suffix}`
  readonly pki: LabPki
  private readonly servers: LabServer[] = []
  private nextIndex = 1
  private closed = false

  private constructor(readonly dir: string) {
    this.pki = makePki(dir)
  }

  static start(): Lab {
    const dir = mkdtempSync(join(tmpdir(), 'ovpn-lab-'))
    let lab: Lab | undefined
    try {
      lab = new Lab(dir)
      lab.setupNetwork()
      const l = lab
      // last-resort cleanup if the test process dies before close()
      process.once('exit', () => l.closeSync())
      return lab
    } catch (err) {
      if (lab) lab.teardownNetwork()
      rmSync(dir, { recursive: true, force: true })
      throw err
    }
  }

  private setupNetwork(): void {
    const c = this.clientNs
    const s = this.serverNs
    const vc = `vc${this.suffix}`
    const vs = `vs${this.suffix}`
    sh('ip', ['netns', 'add', c])
    sh('ip', ['netns', 'add', s])
    sh('ip', ['link', 'add', vc, 'type', 'veth', 'peer', 'name', vs])
    sh('ip', ['link', 'set', vc, 'netns', c])
    sh('ip', ['link', 'set', vs, 'netns', s])
    sh('ip', ['-n', c, 'addr', 'add', `${CLIENT_ADDR}/24`, 'dev', vc])
    sh('ip', ['-n', s, 'addr', 'add', `${SERVER_ADDR}/24`, 'dev', vs])
    for (const [ns, dev] of [
      [c, vc],
      [s, vs],
    ] as const) {
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up'])
      sh('ip', ['-n', ns, 'link', 'set', dev, 'up'])
    }
  }

  private teardownNetwork(): void {
    for (const ns of [this.clientNs, this.serverNs]) {
      try {
        sh('ip', ['netns', 'del', ns])
      } catch {
        // not there
      }
    }
  }

  /** Starts an OpenVPN 2.6 server in the server namespace and waits until it is ready. */
  async startServer(spec: ServerSpec): Promise<LabServer> {
    const index = this.nextIndex++
    const proto = spec.proto ?? 'udp'
    const port = 1194 + index
    const d = this.pki.dir
    const dev = `ot${this.suffix}${index}`
    const logPath = join(d, `server${index}.log`)
    const lines = [
      `dev ${dev}`,
      'dev-type tun',
      `proto ${proto === 'udp' ? 'udp4' : 'tcp4-server'}`,
      `local ${SERVER_ADDR}`,
      `port ${port}`,
      `server 198.18.${index}.0 255.255.255.0`,
      'topology subnet',
      `ca ${join(d, 'ca.crt')}`,
      `cert ${join(d, spec.noEku ? 'noeku.crt' : 'server.crt')}`,
      `key ${join(d, spec.noEku ? 'noeku.key' : 'server.key')}`,
      'dh none',
      'keepalive 10 60',
      'verb 4',
      `log ${logPath}`,
      'push "dhcp-option DNS 198.18.0.53"',
      'push "dhcp-option DOMAIN lab.example"',
      `push "route 198.19.${index}.0 255.255.255.0"`,
    ]
    let tlsCryptV2ClientKey: string | undefined
    switch (spec.kind) {
      case 'cert':
        break
      case 'tls-auth':
        lines.push(`tls-auth ${join(d, 'ta.key')} 0`)
        break
      case 'tls-crypt':
        lines.push(`tls-crypt ${join(d, 'tc.key')}`)
        break
      case 'tls-crypt-v2': {
        const ck = join(d, `tcv2-client${index}.key`)
        sh('openvpn', [
          '--tls-crypt-v2',
          join(d, 'tcv2-server.key'),
          '--genkey',
          'tls-crypt-v2-client',
          ck,
        ])
        tlsCryptV2ClientKey = readFileSync(ck, 'utf8')
        lines.push(
          `tls-crypt-v2 ${join(d, 'tcv2-server.key')}${spec.forceCookie ? ' force-cookie' : ''}`
        )
        break
      }
      case 'userpass':
      case 'static-challenge':
        lines.push(
          'script-security 2',
          `auth-user-pass-verify ${join(d, 'auth.sh')} via-file`,
          `tmp-dir ${d}`
        )
        break
    }
    const managementPath = spec.managementClientAuth ? join(d, `mgmt${index}.sock`) : undefined
    if (managementPath) lines.push(`management ${managementPath} unix`, 'management-client-auth')
    lines.push(...(spec.extra ?? []))
    const conf = join(d, `server${index}.conf`)
    writeFileSync(conf, lines.join('\n') + '\n')
    const child: ChildProcess = spawn(
      'ip',
      ['netns', 'exec', this.serverNs, 'openvpn', '--config', conf],
      {
        stdio: 'ignore',
      }
    )
    const pid = child.pid ?? -1
    const log = (): string => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '')
    const deadline = Date.now() + 15_000
    while (!/Initialization Sequence Completed/.test(log())) {
      if (child.exitCode !== null || Date.now() > deadline) {
        child.kill('SIGKILL')
        throw new Error(`openvpn server did not start:\n${log().slice(-2000)}`)
      }
      await new Promise((r) => setTimeout(r, 50))
    }
    let stopped = false
    const server: LabServer = {
      spec,
      proto,
      port,
      index,
      tunnelServerIp: `198.18.${index}.1`,
      ...(tlsCryptV2ClientKey ? { tlsCryptV2ClientKey } : {}),
      ...(managementPath ? { managementPath } : {}),
      pid,
      log,
      stop: async () => {
        if (stopped) return
        stopped = true
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r))
          child.kill('SIGTERM')
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
          if (child.exitCode === null) child.kill('SIGKILL')
        }
      },
    }
    this.servers.push(server)
    return server
  }

  /** Runs the probe in the client namespace; resolves with its parsed JSON result. */
  runProbe(input: ProbeInput, timeoutMs: number): Promise<ProbeResult> {
    return runProbeIn(this.clientNs, input, timeoutMs, this.dir)
  }

  /** Synchronous emergency cleanup (process exit): kills servers, deletes namespaces and files. */
  closeSync(): void {
    if (this.closed) return
    this.closed = true
    for (const s of this.servers) {
      try {
        process.kill(s.pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
    this.teardownNetwork()
    rmSync(this.dir, { recursive: true, force: true })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    for (const s of this.servers) await s.stop()
    this.teardownNetwork()
    rmSync(this.dir, { recursive: true, force: true })
  }
}

/** What the test asks the probe to do. */
export interface ProbeInput {
  options: EngineOptions
  /** Ping target (server tunnel address). */
  target: string
  pings: number
  pingIntervalMs: number
  /** Overall time budget inside the probe. */
  timeoutMs: number
  /** Stop the server-side connection with the exit notification after the pings. */
  disconnect?: boolean
  /** Answer needs-input requests with these values. */
  input?: InputResponse
  /** Drop every n-th control packet in each direction (reliability-layer test). */
  controlDropEvery?: number
  /** After the pings: pause, resume, wait for the reconnect and ping again. */
  pauseResume?: boolean
  /** Run data-channel throughput measurement for this many ms instead of counted pings. */
  floodMs?: number
}

export interface ProbeResult {
  connected: boolean
  connectMs?: number
  cipher?: string
  keyDerivation?: string
  peerId?: number
  localIp?: string
  config?: NetworkConfig
  sent: number
  received: number
  lost: number
  renegotiations: number
  error?: { name: string; code: string; message: string; causeName?: string }
  needsInput: string[]
  statuses: string[]
  log: string[]
  stats?: EngineStats
  floodPps?: number
  /** With controlDropEvery: control packets dropped by the lossy link. */
  controlDropped?: number
  /** With pauseResume: connected again after resume, and pings answered after it. */
  resumed?: boolean
  receivedAfterResume?: number
}

/**
 * Runs the probe inside namespace `ns` (any lab's client namespace) with `input`; the input file
 * is written to `dir`. Rejects on timeout (the probe is killed) or when it prints no JSON.
 */
export function runProbeIn(
  ns: string,
  input: ProbeInput,
  timeoutMs: number,
  dir: string
): Promise<ProbeResult> {
  const file = join(dir, `probe-${randomBytes(3).toString('hex')}.json`)
  writeFileSync(file, JSON.stringify(input))
  const probe = new URL('./probe.ts', import.meta.url).pathname
  return new Promise((resolve, reject) => {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        '--conditions=source',
        '--import',
        'tsx',
        probe,
        file,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`probe timed out after ${timeoutMs} ms\n${err.slice(-2000)}`))
    }, timeoutMs)
    child.on('exit', () => {
      clearTimeout(timer)
      rmSync(file, { force: true })
      const line = out.trim().split('\n').pop() ?? ''
      try {
        resolve(JSON.parse(line) as ProbeResult)
      } catch {
        reject(new Error(`probe printed no JSON result:\n${out.slice(-2000)}\n${err.slice(-2000)}`))
      }
    })
  })
}
