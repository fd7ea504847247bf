/**
 * The state of one configuration profile (spec dbus-api.md §3.2 properties) as plain data,
 * shared by the D-Bus object, the access rules and the persistent store.
 */
import type { RawOption } from '@openvpn3-ts/protocol/profile'
import type { OverrideValue } from './overrides.js'

export interface ConfigState {
  /** object path `/net/openvpn/v3/configuration/<uuid with x>` */
  readonly path: string
  name: string
  owner: number
  acl: number[]
  publicAccess: boolean
  lockedDown: boolean
  transferOwnerSession: boolean
  persistent: boolean
  /** sealed */
  readonly: boolean
  singleUse: boolean
  valid: boolean
  /** Validate's error text when not valid */
  invalidReason: string | null
  dco: boolean
  overrides: Map<string, OverrideValue>
  tags: string[]
  importTimestamp: bigint
  lastUsedTimestamp: bigint
  usedCount: number
  /** the profile as parsed options (rendered back by Fetch / FetchJSON) */
  options: RawOption[]
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g
// eslint-disable-next-line no-control-regex
const CONTROL_BUT_NL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g

/** Remove control characters (< 0x20 and DEL); `keepNewlines` keeps tab, CR and LF (profile text). */
export function stripControl(s: string, keepNewlines = false): string {
  return s.replace(keepNewlines ? CONTROL_BUT_NL : CONTROL, '')
}

export const nowSeconds = (): bigint => BigInt(Math.floor(Date.now() / 1000))
