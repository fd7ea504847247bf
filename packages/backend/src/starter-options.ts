/**
 * Command line of `openvpn3-service-backendstart` (spec §5): `--log-level N` (default 3),
 * `--idle-exit SECONDS` (default 30, 0 = never), the client options passed through
 * (`--client-log-level`, `--client-log-file`, `--client-colour`,
 * `--client-disable-protect-socket`) and upstream's debug options `--client-binary`,
 * `--client-setenv NAME=VALUE`. Our addition: `--client-runner auto|dist|tsx` (how the client
 * is started, see starter.ts), `--client-output FILE` (client stdout/stderr, for tests) and
 * `--spare-clients 0|1` (keep a warm spare client, default 1; off with `--client-binary`).
 * Flag syntax and value checks: the dbus service kit.
 */
import { z } from 'zod'
import { UsageError, parseServiceOptions, wholeNumber } from '@openvpn3-ts/dbus'
import { BackendUsageError } from './errors.js'

export type ClientRunner = 'auto' | 'dist' | 'tsx'

export interface StarterOptions {
  logLevel: number
  idleExitSec: number
  clientArgs: string[]
  clientBinary?: string
  clientEnv: Record<string, string>
  clientRunner: ClientRunner
  clientOutput?: string
  /** warm spare clients kept ready (0 or 1) */
  spareClients: number
}

export const STARTER_USAGE =
  'Usage: openvpn3-service-backendstart [--log-level N] [--idle-exit SECONDS] [--client-log-level L] [--client-log-file F] [--client-colour] [--client-disable-protect-socket] [--client-runner auto|dist|tsx] [--client-output FILE] [--spare-clients 0|1]'

/** The command line (flag names without dashes), checked by the service kit. */
const Flags = z.object({
  'log-level': wholeNumber(6).default(3),
  'idle-exit': wholeNumber(86_400).default(30),
  'client-log-level': wholeNumber(6).optional(),
  'client-log-file': z.string().optional(),
  'client-colour': z.boolean().default(false),
  'client-disable-protect-socket': z.boolean().default(false),
  'client-binary': z.string().optional(),
  'client-setenv': z.array(z.string().regex(/^[^=]+=/, 'expected NAME=VALUE')).default([]),
  'client-runner': z.enum(['auto', 'dist', 'tsx']).default('auto'),
  'client-output': z.string().optional(),
  'spare-clients': wholeNumber(1).default(1),
})

export function parseStarterOptions(argv: readonly string[]): StarterOptions {
  let f: z.output<typeof Flags>
  try {
    f = parseServiceOptions(argv, Flags)
  } catch (err) {
    if (err instanceof UsageError) throw new BackendUsageError(err.message, { cause: err })
    throw err
  }
  const clientArgs: string[] = []
  if (f['client-log-level'] !== undefined) {
    clientArgs.push('--log-level', String(f['client-log-level']))
  }
  if (f['client-log-file'] !== undefined) clientArgs.push('--log-file', f['client-log-file'])
  if (f['client-colour']) clientArgs.push('--colour')
  if (f['client-disable-protect-socket']) clientArgs.push('--disable-protect-socket')
  const clientEnv: Record<string, string> = {}
  for (const kv of f['client-setenv']) {
    const i = kv.indexOf('=')
    clientEnv[kv.slice(0, i)] = kv.slice(i + 1)
  }
  const binary = f['client-binary']
  return {
    logLevel: f['log-level'],
    idleExitSec: f['idle-exit'],
    clientArgs,
    ...(binary !== undefined ? { clientBinary: binary } : {}),
    clientEnv,
    clientRunner: f['client-runner'],
    ...(f['client-output'] !== undefined ? { clientOutput: f['client-output'] } : {}),
    spareClients: binary !== undefined ? 0 : f['spare-clients'],
  }
}
