/**
 * Command line of `openvpn3-service-client` (spec §6.1):
 * `[--log-level 0-6] [--log-file FILE|stdout:] [--colour] [--disable-protect-socket] <token>`,
 * exactly one positional argument (the session token).
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { BackendUsageError } from './errors.js'

export interface ClientOptions {
  token: string
  logLevel: number
  logFile?: string
  colour: boolean
  disableProtectSocket: boolean
  /** our addition: start as a warm spare and read the token from stdin (see starter.ts) */
  tokenFromStdin: boolean
}

/** Checks a session token (36 chars, `t`-delimited UUID, spec §1.2). */
export function checkToken(token: string | undefined): string {
  const r = tokenSchema.safeParse(token)
  if (!r.success) throw new BackendUsageError(`invalid session token '${token ?? ''}'`)
  return r.data
}

export const CLIENT_USAGE =
  'Usage: openvpn3-service-client [--log-level 0-6] [--log-file FILE|stdout:] [--colour] [--disable-protect-socket] <token> | --token-from-stdin'

const tokenSchema = z
  .string()
  .regex(/^[0-9a-z]{8}t[0-9a-z]{4}t[0-9a-z]{4}t[0-9a-z]{4}t[0-9a-z]{12}$/)

export function parseClientOptions(argv: readonly string[]): ClientOptions {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        'log-level': { type: 'string' },
        'log-file': { type: 'string' },
        colour: { type: 'boolean' },
        'disable-protect-socket': { type: 'boolean' },
        'token-from-stdin': { type: 'boolean' },
      },
    })
  } catch (cause) {
    throw new BackendUsageError(cause instanceof Error ? cause.message : String(cause), { cause })
  }
  const { values, positionals } = parsed
  const fromStdin = values['token-from-stdin'] ?? false
  if (positionals.length !== (fromStdin ? 0 : 1)) {
    throw new BackendUsageError('exactly one session token expected')
  }
  const token = fromStdin ? '' : checkToken(positionals[0])
  const level = values['log-level'] ?? '3'
  if (!/^[0-6]$/.test(level)) throw new BackendUsageError(`invalid --log-level '${level}'`)
  return {
    token,
    logLevel: Number(level),
    ...(values['log-file'] !== undefined ? { logFile: values['log-file'] } : {}),
    colour: values.colour ?? false,
    disableProtectSocket: values['disable-protect-socket'] ?? false,
    tokenFromStdin: fromStdin,
  }
}
