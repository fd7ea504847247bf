/**
 * Command-line options of `openvpn3-service-sessionmgr` (spec dbus-api.md §4 process options),
 * parsed with zod: `--log-level N` (0–6, default 3), `--idle-exit MIN` (default 3, 0 = never,
 * fractions allowed for tests), `--state-dir DIR` (where the running sessions are recorded so a
 * restarted session manager can re-attach to their backends), `--openvpn-user NAME`, `--help`.
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { OPENVPN_USER, STATE_DIR } from '@openvpn3-ts/dbus'

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export const DEFAULT_STATE_DIR = `${STATE_DIR}/sessions`
export const DEFAULT_IDLE_MINUTES = 3
export const DEFAULT_LOG_LEVEL = 3

const Schema = z.object({
  stateDir: z.string().min(1),
  idleMinutes: z
    .number()
    .min(0)
    .max(7 * 24 * 60),
  logLevel: z.number().int().min(0).max(6),
  openvpnUser: z.string().min(1),
  help: z.boolean(),
})
export type ServiceOptions = z.infer<typeof Schema>

export const USAGE = `Usage: openvpn3-service-sessionmgr [options]
  --state-dir DIR      record of running sessions (default ${DEFAULT_STATE_DIR})
  --idle-exit MIN      exit after MIN idle minutes without sessions, 0 = never (default ${DEFAULT_IDLE_MINUTES})
  --log-level N        0-6 (default ${DEFAULT_LOG_LEVEL})
  --openvpn-user NAME  the service account (default ${OPENVPN_USER})
  --help               this text`

export function parseOptions(argv: readonly string[]): ServiceOptions {
  let values
  try {
    ;({ values } = parseArgs({
      args: [...argv],
      options: {
        'state-dir': { type: 'string' },
        'idle-exit': { type: 'string' },
        'log-level': { type: 'string' },
        'openvpn-user': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (cause) {
    throw new UsageError(cause instanceof Error ? cause.message : String(cause), { cause })
  }
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v))
  const r = Schema.safeParse({
    stateDir: values['state-dir'] ?? DEFAULT_STATE_DIR,
    idleMinutes: num(values['idle-exit'], DEFAULT_IDLE_MINUTES),
    logLevel: num(values['log-level'], DEFAULT_LOG_LEVEL),
    openvpnUser: values['openvpn-user'] ?? OPENVPN_USER,
    help: values.help ?? false,
  })
  if (!r.success) {
    const i = r.error.issues[0]
    throw new UsageError(`invalid option ${String(i?.path[0] ?? '')}: ${i?.message ?? ''}`)
  }
  return r.data
}
