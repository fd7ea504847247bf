/**
 * Warming a spare backend while it waits for a session (our addition for start time, issue 6;
 * see bench/ and the starter's warm spare). A fresh process pays for first use on the connect
 * path: Node builds its bundled root certificate store on the first secure context with a `ca`,
 * zod compiles a schema's fast path on its first parse, and V8 compiles the profile parser and
 * option mapping lazily. Here each of those runs once on throw-away input, in short steps with
 * a turn of the event loop between them, so a token that arrives meanwhile is handled at once.
 * Nothing here touches the network, the bus or the file system, or keeps state the session uses.
 */
import { randomBytes } from 'node:crypto'
import { createSecureContext, rootCertificates } from 'node:tls'
import { loadEngineModules } from './client.js'

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

/**
 * Runs the warm-up steps; resolves when done (or when `stop()` says to give up). Failures are
 * ignored: warming is an optimisation, and the real session reports real errors.
 */
export async function warmUp(stop: () => boolean = () => false): Promise<void> {
  const [{ evaluateProfile }, { resolveEngineOptions }] = await loadEngineModules()
  const steps: (() => void)[] = [
    // the bundled root store is parsed once per process, on the first context with a CA
    () => void createSecureContext({ ca: rootCertificates[0] ?? '' }),
    () => {
      const profile = evaluateProfile(warmUpProfile())
      resolveEngineOptions(profile.options)
    },
  ]
  for (const step of steps) {
    if (stop()) return
    await turn()
    try {
      step()
    } catch {
      // a failed warm-up step only means less warming
    }
  }
}
