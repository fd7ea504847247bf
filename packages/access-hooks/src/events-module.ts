/**
 * Programmable events module with the JazzVPN callbacks (seed 000), loaded from a JS/TS file:
 *   accept_conn      → at >CLIENT:CONNECT / auth (post-TLS: OpenVPN 2.6 has no pre-TLS hook, spec 2.8)
 *   user_key         → credential lookup for users not in the store (password compared here)
 *   validate_user    → last step of the chain; may accept, reject or ask a challenge
 *   peer_filter      → unavailable: OpenVPN pushes no peer list (spec 8)
 *   peer_connection  → unavailable: no direct peer-to-peer connections in OpenVPN (spec 8)
 * Return values are validated with zod; a throwing callback denies (fail closed).
 */
import { pathToFileURL } from 'node:url'
import { z } from 'zod'
import { PASS, deny, type Check } from './chain/types.js'
import { EventsModuleError } from './errors.js'
import type { Logger } from './logger.js'

export const VALIDATE_USER_STATUS_ACCEPTED = 'accepted'
export const VALIDATE_USER_STATUS_REJECTED = 'rejected'
export const VALIDATE_USER_STATUS_CHALLENGE = 'challenge'

export interface EventsApi {
  log(level: 'error' | 'warn' | 'info' | 'debug', message: string): void
}

export interface AcceptInfo {
  ip: string
  port: number
  time: Date
}
export interface UserKeyInfo {
  username: string
  realm: string
}
export interface ValidateUserInfo {
  username: string
  realm: string
  /** JazzVPN's code/value list: here the client's IV_/UV_ peer info, common name and source. */
  other_data: { code: string; value: string }[]
}

export interface EventsModule {
  accept_conn?: (info: AcceptInfo, api: EventsApi) => unknown
  user_key?: (info: UserKeyInfo, api: EventsApi) => unknown
  validate_user?: (info: ValidateUserInfo, api: EventsApi) => unknown
  peer_filter?: unknown
  peer_connection?: unknown
}

/** Callbacks OpenVPN 2.6 cannot drive, with the reason (spec 8). */
export const UNAVAILABLE_CALLBACKS: Record<string, string> = {
  peer_filter: 'OpenVPN 2.6 sends clients no peer list (the packet filter was removed in 2.6)',
  peer_connection:
    'OpenVPN has no direct peer-to-peer connections; traffic always transits the server',
}

const acceptResult = z.union([z.boolean(), z.undefined(), z.null()])
const keyResult = z.union([z.string(), z.null(), z.undefined()])
const validateResult = z.union([
  z.enum([VALIDATE_USER_STATUS_ACCEPTED, VALIDATE_USER_STATUS_REJECTED]),
  z.undefined(),
  z.null(),
  z.object({
    status: z.literal(VALIDATE_USER_STATUS_REJECTED),
    reason: z.string().max(200).optional(),
  }),
  z.object({ status: z.literal(VALIDATE_USER_STATUS_CHALLENGE), text: z.string().min(1).max(100) }),
  z.object({ status: z.literal(VALIDATE_USER_STATUS_ACCEPTED) }),
])

export interface LoadedEvents {
  module: EventsModule
  acceptCheck: Check | undefined
  validateCheck: Check | undefined
  userKey: ((username: string, realm: string) => Promise<string | null | undefined>) | undefined
  warnings: string[]
}

export async function loadEventsModule(path: string, logger: Logger): Promise<LoadedEvents> {
  let mod: EventsModule
  try {
    mod = (await import(pathToFileURL(path).href)) as EventsModule
  } catch (e) {
    throw new EventsModuleError(`cannot load events module "${path}": ${(e as Error).message}`, {
      cause: e,
    })
  }
  const api: EventsApi = { log: (level, message) => logger[level](`events: ${message}`) }
  const warnings = Object.keys(UNAVAILABLE_CALLBACKS)
    .filter((k) => typeof (mod as Record<string, unknown>)[k] === 'function')
    .map((k) => `events module exports ${k}, which is never called: ${UNAVAILABLE_CALLBACKS[k]}`)

  const acceptCheck: Check | undefined = mod.accept_conn
    ? {
        name: 'events.accept_conn',
        async run(ctx) {
          const r = acceptResult.parse(
            await mod.accept_conn?.(
              { ip: ctx.client.sourceIp, port: ctx.client.sourcePort, time: ctx.now },
              api
            )
          )
          return r === false
            ? deny('accept_conn refused the connection', 'connection refused')
            : PASS
        },
      }
    : undefined

  const validateCheck: Check | undefined = mod.validate_user
    ? {
        name: 'events.validate_user',
        async run(ctx) {
          const c = ctx.client
          const other = [
            ...Object.entries(c.peerInfo).map(([code, value]) => ({ code, value })),
            { code: 'common_name', value: c.commonName },
            { code: 'source_ip', value: c.sourceIp },
            { code: 'source_port', value: String(c.sourcePort) },
          ]
          if (ctx.otpResponse !== undefined)
            other.push({ code: 'challenge_response', value: ctx.otpResponse })
          const r = validateResult.parse(
            await mod.validate_user?.(
              { username: c.username, realm: c.realm, other_data: other },
              api
            )
          )
          if (r === undefined || r === null) return PASS
          if (r === VALIDATE_USER_STATUS_ACCEPTED) return { type: 'accept' }
          if (r === VALIDATE_USER_STATUS_REJECTED)
            return deny('validate_user rejected', 'access denied')
          if (r.status === VALIDATE_USER_STATUS_ACCEPTED) return { type: 'accept' }
          if (r.status === VALIDATE_USER_STATUS_REJECTED)
            return deny('validate_user rejected', r.reason ?? 'access denied')
          if (ctx.otpResponse !== undefined)
            return deny('validate_user challenged again after a response', 'access denied')
          return { type: 'challenge', text: r.text, echo: true }
        },
      }
    : undefined

  const userKey = mod.user_key
    ? async (username: string, realm: string) =>
        keyResult.parse(await mod.user_key?.({ username, realm }, api))
    : undefined

  return { module: mod, acceptCheck, validateCheck, userKey, warnings }
}
