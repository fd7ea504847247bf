/**
 * @module netns
 * The lab's topology: two fresh network namespaces joined by one veth pair, no route out.
 *
 *   client ns (ovl-c-<pid>-<id>)                server ns (ovl-s-<pid>-<id>)
 *   lo up                                       lo up
 *   vc<id6> 192.0.2.2/24  <---- veth ---->  vs<id6> 192.0.2.1/24   (RFC 5737 TEST-NET-1)
 *
 * Both ends are created directly inside their namespaces, so nothing appears in the root
 * namespace. Deleting a namespace removes its veth end (and with it the peer).
 */
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { runCommand } from './exec.js'

export const SERVER_ADDR = '192.0.2.1'
export const CLIENT_ADDR = '192.0.2.2'
export const LINK_PREFIX = 24

export interface Topology {
  id: string
  clientNs: string
  serverNs: string
  clientIf: string
  serverIf: string
}

/**
 * Unique names: the owner's PID (so a later run can reap namespaces of a test process that was
 * SIGKILLed, see stale.ts) and 6 random hex digits (interface names stay under 15 characters).
 */
export function newTopologyNames(): Topology {
  const id = randomBytes(3).toString('hex')
  return {
    id,
    clientNs: `ovl-c-${process.pid}-${id}`,
    serverNs: `ovl-s-${process.pid}-${id}`,
    clientIf: `vc${id}`,
    serverIf: `vs${id}`,
  }
}

/**
 * Creates the namespaces and the link. `created` is called after each namespace exists, so the
 * caller can undo a half-finished setup.
 */
export async function createTopology(t: Topology, created: (ns: string) => void): Promise<void> {
  const ip = (args: string[]): Promise<unknown> => runCommand('ip', args, { timeoutMs: 10_000 })
  await ip(['netns', 'add', t.serverNs])
  created(t.serverNs)
  await ip(['netns', 'add', t.clientNs])
  created(t.clientNs)
  await ip([
    'link',
    'add',
    t.clientIf,
    'netns',
    t.clientNs,
    'type',
    'veth',
    'peer',
    'name',
    t.serverIf,
    'netns',
    t.serverNs,
  ])
  for (const [ns, dev, addr] of [
    [t.serverNs, t.serverIf, SERVER_ADDR],
    [t.clientNs, t.clientIf, CLIENT_ADDR],
  ] as const) {
    await ip(['-n', ns, 'link', 'set', 'lo', 'up'])
    await ip(['-n', ns, 'addr', 'add', `${addr}/${LINK_PREFIX}`, 'dev', dev])
    await ip(['-n', ns, 'link', 'set', dev, 'up'])
  }
}

/** PIDs of every process whose network namespace is `ns` (empty if it does not exist). */
export function namespacePidsSync(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', timeout: 5000 })
  if (r.status !== 0) return []
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0)
}

/** Deletes a namespace; a missing one is not an error. */
export function deleteNamespaceSync(ns: string): void {
  spawnSync('ip', ['netns', 'delete', ns], { stdio: 'ignore', timeout: 5000 })
}

/** Names of all named namespaces (for leak checks). */
export function listNamespacesSync(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 5000 })
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0] ?? '')
    .filter((n) => n.length > 0)
}
