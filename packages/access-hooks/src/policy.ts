/**
 * Assembles the event chain from the configuration, in a fixed order:
 * source → events.accept_conn → password (+ user_key) → mac → totp → sessions → events.validate_user.
 * Shared by the daemon (management mode) and the hook executable (script mode).
 */
import { Chain } from './chain/chain.js'
import type { AuthContext, Check, ClientIdentity } from './chain/types.js'
import { macCheck } from './checks/mac.js'
import { passwordCheck } from './checks/password.js'
import { sessionLimitsCheck } from './checks/sessions.js'
import { sourceCheck } from './checks/source.js'
import { totpCheck } from './checks/totp.js'
import type { AccessConfig } from './config.js'
import type { LoadedEvents } from './events-module.js'
import type { PasswordVerifier } from './password-pool.js'
import type { Store } from './store/types.js'

export function buildChain(
  config: AccessConfig,
  events: LoadedEvents | undefined,
  verify?: PasswordVerifier
): Chain {
  const checks: Check[] = []
  if (config.source) checks.push(sourceCheck(config.source))
  if (events?.acceptCheck) checks.push(events.acceptCheck)
  if (config.password.enabled) checks.push(passwordCheck({ lookup: events?.userKey, verify }))
  if (config.mac) checks.push(macCheck(config.mac))
  if (config.totp) checks.push(totpCheck(config.totp))
  if (config.sessions) checks.push(sessionLimitsCheck(config.sessions))
  if (events?.validateCheck) checks.push(events.validateCheck)
  return new Chain(checks)
}

export function newContext(
  client: ClientIdentity,
  store: Store,
  opts: {
    password?: string | undefined
    reauth?: boolean
    firstFactorDone?: boolean
    otpResponse?: string | undefined
  }
): AuthContext {
  return {
    client,
    password: opts.password,
    otpResponse: opts.otpResponse,
    firstFactorDone: opts.firstFactorDone ?? false,
    user: undefined,
    config: [],
    allowanceS: undefined,
    reauth: opts.reauth ?? false,
    now: new Date(),
    store,
  }
}
