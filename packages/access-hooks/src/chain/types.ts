/**
 * The event chain's vocabulary: the context a check sees and the verdict it returns.
 * A check accepts (ends the chain with success), denies with a reason, challenges for a second
 * factor, or passes to the next check. A chain where every check passes accepts.
 */
import type { Store, UserRecord } from '../store/types.js'

export interface ClientIdentity {
  /** CID/KID for management mode; absent in script mode. */
  cid?: number
  kid?: number
  username: string
  /** Realm split off `user@realm` when configured. */
  realm: string
  commonName: string
  sourceIp: string
  sourcePort: number
  /** Methods from IV_SSO (crtext, webauth, openurl). */
  sso: string[]
  ivProto: number
  /** All IV_* and UV_* peer-info variables. */
  peerInfo: Record<string, string>
  /** Full environment of the event, without the password. */
  env: Record<string, string>
}

export interface AuthContext {
  client: ClientIdentity
  /** The password as sent, or undefined when a previous step already verified the first factor. */
  password: string | undefined
  /** The second-factor response, when the client answered a challenge (CRV1, CR_TEXT, SCRV1). */
  otpResponse: string | undefined
  /** The first factor was verified in an earlier round (CRV1/CR_TEXT resumption). */
  firstFactorDone: boolean
  /** The user record found by the password/identity check. */
  user: UserRecord | undefined
  /** Config lines for the `client-auth` block / client-connect file (e.g. session-timeout). */
  config: string[]
  /** Seconds this session may last (min of per-session and daily allowance), if limited. */
  allowanceS: number | undefined
  /** Re-authentication of an established client (REAUTH / renegotiation). */
  reauth: boolean
  now: Date
  store: Store
}

export type Verdict =
  | { type: 'pass' }
  | { type: 'accept' }
  | { type: 'deny'; reason: string; clientReason?: string }
  | { type: 'challenge'; text: string; echo: boolean }

export interface Check {
  readonly name: string
  run(ctx: AuthContext): Promise<Verdict> | Verdict
}

export const PASS: Verdict = { type: 'pass' }
export const deny = (reason: string, clientReason?: string): Verdict =>
  clientReason === undefined ? { type: 'deny', reason } : { type: 'deny', reason, clientReason }
