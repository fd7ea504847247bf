/**
 * Warming a spare backend while it waits for a session (our addition for start time, issue 6;
 * see bench/ and the starter's warm spare). A fresh process pays for first use on the connect
 * path: Node builds its bundled root certificate store on the first secure context with a `ca`,
 * zod compiles a schema's fast path on its first parse, V8 compiles the profile parser, the
 * option mapping, Node's TLS socket code and the log scrubber's patterns lazily, and the native
 * AEAD and TUN/UDP addons load on first use. Here each of those runs once on throw-away
 * input (the TLS code in a handshake between two in-memory ends), in short steps with a turn of
 * the event loop between them, so a token that arrives meanwhile is handled at once.
 * Nothing here touches the network or the bus, or keeps state the session uses (the addons stay
 * loaded; the AEAD's self-check result is kept and its log line, if any, written at engine start).
 */
import { randomBytes } from 'node:crypto'
import { Duplex } from 'node:stream'
import {
  TLSSocket,
  type TLSSocketOptions,
  connect,
  createSecureContext,
  rootCertificates,
} from 'node:tls'
import { scrubSecrets } from '@openvpn3-ts/dbus'
import { loadTunAddon } from '@openvpn3-ts/netcfg/tun'
import { loadEngineModules } from './client.js'
import { loadNativeAead } from './native-aead.js'

/** A profile like the ones sessions use (inline CA, tls-crypt key), with documentation addresses. */
export function warmUpProfile(): string {
  const hex = randomBytes(256).toString('hex')
  const keyLines = hex.match(/.{32}/g) ?? []
  return [
    'client',
    'dev tun',
    'proto udp',
    'remote 192.0.2.1 1194',
    'nobind',
    'remote-cert-tls server',
    'cipher AES-256-GCM',
    'verb 3',
    '<ca>',
    (rootCertificates[0] ?? '').trim(),
    '</ca>',
    '<tls-crypt>',
    '-----BEGIN OpenVPN Static key V1-----',
    ...keyLines,
    '-----END OpenVPN Static key V1-----',
    '</tls-crypt>',
    '',
  ].join('\n')
}

const turn = () => new Promise<void>((r) => setImmediate(r))

/** Random hex long enough for the scrubber's key-material pattern. */
const hexSample = () => randomBytes(20).toString('hex')

/** Two in-memory streams, each delivering what the other is written. */
function streamPair(): [Duplex, Duplex] {
  const ends: Duplex[] = []
  for (let i = 0; i < 2; i++) {
    ends.push(
      new Duplex({
        read: () => undefined,
        write: (chunk: Buffer, _enc, cb) => {
          ends[1 - i]?.push(chunk)
          cb()
        },
      })
    )
  }
  return [ends[0] as Duplex, ends[1] as Duplex]
}

const PSK_CIPHER = 'PSK-AES128-GCM-SHA256'

/**
 * One TLS handshake and one record each way between two in-memory ends (a random pre-shared
 * key, no certificate needed), so Node's TLS socket code over a JS stream (what the engine's
 * control channel uses) is compiled before the real handshake. Bounded to 2 s.
 */
export function memoryTlsHandshake(): Promise<void> {
  const psk = randomBytes(32)
  const [a, b] = streamPair()
  // Node reads `pskCallback` for a server-side TLSSocket too; its typings only list it for servers
  const serverOptions: TLSSocketOptions & { pskCallback: () => Buffer } = {
    isServer: true,
    secureContext: createSecureContext({ ciphers: PSK_CIPHER, maxVersion: 'TLSv1.2' }),
    pskCallback: () => psk,
  }
  const server = new TLSSocket(a, serverOptions)
  const client = connect({
    socket: b,
    ciphers: PSK_CIPHER,
    maxVersion: 'TLSv1.2',
    pskCallback: () => ({ psk, identity: 'warm-up' }),
    checkServerIdentity: () => undefined,
  })
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('in-memory TLS handshake timed out')), 2000)
    client.once('error', reject)
    server.once('error', reject)
    server.once('data', () => server.write('ok'))
    client.once('data', () => resolve())
    client.once('secureConnect', () => client.write('hello'))
    timer.unref()
  }).finally(() => {
    client.destroy()
    server.destroy()
    a.destroy()
    b.destroy()
  })
}

/**
 * Runs the warm-up steps; resolves when done (or when `stop()` says to give up). Failures are
 * ignored: warming is an optimisation, and the real session reports real errors.
 */
export async function warmUp(stop: () => boolean = () => false): Promise<void> {
  const [{ evaluateProfile }, { resolveEngineOptions }] = await loadEngineModules()
  const steps: (() => unknown)[] = [
    // the bundled root store is parsed once per process, on the first context with a CA
    () => createSecureContext({ ca: rootCertificates[0] ?? '' }),
    () => {
      const profile = evaluateProfile(warmUpProfile())
      return resolveEngineOptions(profile.options)
    },
    memoryTlsHandshake,
    // the log scrubber's patterns are compiled on their first use (every log line passes them)
    () => scrubSecrets(`Connected: 192.0.2.1:1194 (192.0.2.1) via /UDP on tun0 ${hexSample()}`),
    // import, addon load and self-check; a warning is logged at engine start (native-aead.ts)
    loadNativeAead,
    loadTunAddon,
  ]
  for (const step of steps) {
    if (stop()) return
    await turn()
    try {
      await step()
    } catch {
      // a failed warm-up step only means less warming
    }
  }
}
