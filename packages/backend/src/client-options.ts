/**
 * Command line of `openvpn3-service-client` (spec §6.1):
 * `[--log-level 0-6] [--log-file FILE|stdout:] [--colour] [--disable-protect-socket] <token>`,
 * exactly one positional argument (the session token). Flag syntax: the dbus service kit.
 */
import { z } from 'zod'
import { UsageError, parseServiceOptions, wholeNumber } from '@openvpn3-ts/dbus'
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

/** The command line (flag names without dashes; `token` gets the positional arguments). */
const Args = z.object({
  'log-level': wholeNumber(6).default(3),
  'log-file': z.string().optional(),
  colour: z.boolean().default(false),
  'disable-protect-socket': z.boolean().default(false),
  'token-from-stdin': z.boolean().default(false),
  token: z.array(z.string()),
})

export function parseClientOptions(argv: readonly string[]): ClientOptions {
  let a: z.output<typeof Args>
  try {
    a = parseServiceOptions(argv, Args, { positionals: 'token' })
  } catch (err) {
    if (err instanceof UsageError) throw new BackendUsageError(err.message, { cause: err })
    throw err
  }
  const fromStdin = a['token-from-stdin']
  if (a.token.length !== (fromStdin ? 0 : 1)) {
    throw new BackendUsageError('exactly one session token expected')
  }
  return {
    token: fromStdin ? '' : checkToken(a.token[0]),
    logLevel: a['log-level'],
    ...(a['log-file'] !== undefined ? { logFile: a['log-file'] } : {}),
    colour: a.colour,
    disableProtectSocket: a['disable-protect-socket'],
    tokenFromStdin: fromStdin,
  }
}
