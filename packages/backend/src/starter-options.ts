/**
 * Command line of `openvpn3-service-backendstart` (spec §5): `--log-level N` (default 3),
 * `--idle-exit SECONDS` (default 30, 0 = never), the client options passed through
 * (`--client-log-level`, `--client-log-file`, `--client-colour`,
 * `--client-disable-protect-socket`) and upstream's debug options `--client-binary`,
 * `--client-setenv NAME=VALUE`. Our addition: `--client-runner auto|dist|tsx` (how the client
 * is started, see starter.ts), `--client-output FILE` (client stdout/stderr, for tests) and
 * `--spare-clients 0|1` (keep a warm spare client, default 1; off with `--client-binary`).
 */
import { parseArgs } from 'node:util'
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

const intArg = (name: string, v: string | undefined, def: number, max: number): number => {
  if (v === undefined) return def
  if (!/^\d+$/.test(v) || Number(v) > max) throw new BackendUsageError(`invalid --${name} '${v}'`)
  return Number(v)
}

export function parseStarterOptions(argv: readonly string[]): StarterOptions {
  let values
  try {
    values = parseArgs({
      args: [...argv],
      allowPositionals: false,
      options: {
        'log-level': { type: 'string' },
        'idle-exit': { type: 'string' },
        'client-log-level': { type: 'string' },
        'client-log-file': { type: 'string' },
        'client-colour': { type: 'boolean' },
        'client-disable-protect-socket': { type: 'boolean' },
        'client-binary': { type: 'string' },
        'client-setenv': { type: 'string', multiple: true },
        'client-runner': { type: 'string' },
        'client-output': { type: 'string' },
        'spare-clients': { type: 'string' },
      },
    }).values
  } catch (cause) {
    throw new BackendUsageError(cause instanceof Error ? cause.message : String(cause), { cause })
  }
  const clientArgs: string[] = []
  const cl = values['client-log-level']
  if (cl !== undefined) {
    intArg('client-log-level', cl, 3, 6)
    clientArgs.push('--log-level', cl)
  }
  if (values['client-log-file'] !== undefined) {
    clientArgs.push('--log-file', values['client-log-file'])
  }
  if (values['client-colour']) clientArgs.push('--colour')
  if (values['client-disable-protect-socket']) clientArgs.push('--disable-protect-socket')
  const clientEnv: Record<string, string> = {}
  for (const kv of values['client-setenv'] ?? []) {
    const i = kv.indexOf('=')
    if (i <= 0) throw new BackendUsageError(`invalid --client-setenv '${kv}'`)
    clientEnv[kv.slice(0, i)] = kv.slice(i + 1)
  }
  const runner = values['client-runner'] ?? 'auto'
  if (runner !== 'auto' && runner !== 'dist' && runner !== 'tsx') {
    throw new BackendUsageError(`invalid --client-runner '${runner}'`)
  }
  return {
    logLevel: intArg('log-level', values['log-level'], 3, 6),
    idleExitSec: intArg('idle-exit', values['idle-exit'], 30, 86_400),
    clientArgs,
    ...(values['client-binary'] !== undefined ? { clientBinary: values['client-binary'] } : {}),
    clientEnv,
    clientRunner: runner,
    ...(values['client-output'] !== undefined ? { clientOutput: values['client-output'] } : {}),
    spareClients:
      values['client-binary'] !== undefined
        ? 0
        : intArg('spare-clients', values['spare-clients'], 1, 1),
  }
}
