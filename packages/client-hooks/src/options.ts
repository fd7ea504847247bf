/**
 * Command line of `openvpn3-hooks` (checked with zod). Hook directories default to
 * `/etc/openvpn3/hooks/{connect,disconnect}.d` for root and
 * `$XDG_CONFIG_HOME/openvpn3/hooks/{connect,disconnect}.d` (or `~/.config/…`) otherwise.
 * Flag syntax and the error listing every problem: the dbus service kit.
 */
import { homedir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { parseServiceOptions } from '@openvpn3-ts/dbus'

export const SYSTEM_HOOKS_DIR = '/etc/openvpn3/hooks'

export interface HooksOptions {
  connectDir: string
  disconnectDir: string
  /** per-hook timeout (ms) */
  timeoutMs: number
  /** status polling interval when LogForward is refused (ms) */
  pollMs: number
  /** statistics refresh interval while connected (ms) */
  statsMs: number
  /** output bytes kept per hook */
  maxOutput: number
  verbose: boolean
}

export { UsageError } from '@openvpn3-ts/dbus'

export const USAGE = `Usage: openvpn3-hooks [options]
  --hooks-dir DIR        base directory holding connect.d/ and disconnect.d/
  --connect-dir DIR      directory of connect hooks (overrides --hooks-dir)
  --disconnect-dir DIR   directory of disconnect hooks (overrides --hooks-dir)
  --timeout SEC          per-hook time limit, 1-3600 (default 30)
  --poll-interval MS     status polling when log forwarding is refused, 200-60000 (default 2000)
  --stats-interval MS    statistics refresh while connected, 500-300000 (default 10000)
  --max-output BYTES     hook output kept for the log, 0-65536 (default 4096)
  --verbose              log every status change
  --help`

const num = (min: number, max: number) => z.coerce.number().int().min(min).max(max)

const schema = z.object({
  'hooks-dir': z.string().min(1).optional(),
  'connect-dir': z.string().min(1).optional(),
  'disconnect-dir': z.string().min(1).optional(),
  timeout: num(1, 3600).default(30),
  'poll-interval': num(200, 60_000).default(2000),
  'stats-interval': num(500, 300_000).default(10_000),
  'max-output': num(0, 65_536).default(4096),
  verbose: z.boolean().default(false),
  help: z.boolean().default(false),
})

/** Default base directory for this user. */
export function defaultHooksDir(uid: number, env: NodeJS.ProcessEnv): string {
  if (uid === 0) return SYSTEM_HOOKS_DIR
  const xdg = env['XDG_CONFIG_HOME']
  const base = xdg && xdg.startsWith('/') ? xdg : join(env['HOME'] ?? homedir(), '.config')
  return join(base, 'openvpn3', 'hooks')
}

/** Parses argv; returns undefined for --help. Throws UsageError. */
export function parseOptions(
  argv: string[],
  uid: number,
  env: NodeJS.ProcessEnv
): HooksOptions | undefined {
  const o = parseServiceOptions(argv, schema)
  if (o.help) return undefined
  const base = o['hooks-dir'] ?? defaultHooksDir(uid, env)
  return {
    connectDir: o['connect-dir'] ?? join(base, 'connect.d'),
    disconnectDir: o['disconnect-dir'] ?? join(base, 'disconnect.d'),
    timeoutMs: o.timeout * 1000,
    pollMs: o['poll-interval'],
    statsMs: o['stats-interval'],
    maxOutput: o['max-output'],
    verbose: o.verbose,
  }
}
