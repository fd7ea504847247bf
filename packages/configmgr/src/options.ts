/**
 * Command-line options of `openvpn3-service-configmgr` (spec dbus-api.md §3 process options),
 * checked with zod through the service kit: `--state-dir DIR`, `--idle-exit MIN` (0 = never;
 * fractions allowed for tests), `--log-level N` (0–6), `--openvpn-user NAME`, `--help`.
 */
import { z } from 'zod'
import { OPENVPN_USER, STATE_DIR, parseServiceOptions } from '@openvpn3-ts/dbus'

export { UsageError } from '@openvpn3-ts/dbus'

export const DEFAULT_STATE_DIR = `${STATE_DIR}/configs`
export const DEFAULT_IDLE_MINUTES = 3
export const DEFAULT_LOG_LEVEL = 3

const Flags = z.object({
  'state-dir': z.string().min(1).default(DEFAULT_STATE_DIR),
  'idle-exit': z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(DEFAULT_IDLE_MINUTES),
  'log-level': z.coerce.number().int().min(0).max(6).default(DEFAULT_LOG_LEVEL),
  'openvpn-user': z.string().min(1).default(OPENVPN_USER),
  help: z.boolean().default(false),
})

export interface ServiceOptions {
  stateDir: string
  idleMinutes: number
  logLevel: number
  openvpnUser: string
  help: boolean
}

export const USAGE = `Usage: openvpn3-service-configmgr [options]
  --state-dir DIR      directory of persistent profiles (default ${DEFAULT_STATE_DIR})
  --idle-exit MIN      exit after MIN idle minutes, 0 = never (default ${DEFAULT_IDLE_MINUTES})
  --log-level N        0-6 (default ${DEFAULT_LOG_LEVEL})
  --openvpn-user NAME  the service account backends run as (default ${OPENVPN_USER})
  --help               this text`

/** Throws `UsageError` listing every problem. */
export function parseOptions(argv: readonly string[]): ServiceOptions {
  const f = parseServiceOptions(argv, Flags)
  return {
    stateDir: f['state-dir'],
    idleMinutes: f['idle-exit'],
    logLevel: f['log-level'],
    openvpnUser: f['openvpn-user'],
    help: f.help,
  }
}
