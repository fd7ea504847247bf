/**
 * Object-level authorisation of configuration profiles, as upstream `Authorize` does it
 * (spec dbus-api.md §3.3) and the list filter of the manager methods (§3.4). Pure functions
 * of the caller's UID and the profile state, so the whole matrix is unit-tested.
 */
import { AccessDeniedError, hasAccess } from '@openvpn3-ts/dbus'
import type { AccessRequest } from '@openvpn3-ts/dbus'
import type { ConfigState } from './state.js'

export const TEXT_SEALED = 'Configuration profile is sealed and read-only'
export const TEXT_OWNER_ONLY = 'Configuration can only be modified by the profile owner'
export const TEXT_DENIED = 'Access to the configuration profile is denied.'

/** Methods that change the profile: owner only, never on a sealed profile. */
const WRITE_METHODS = new Set([
  'AccessGrant',
  'AccessRevoke',
  'SetOption',
  'SetOverride',
  'UnsetOverride',
  'AddTag',
  'RemoveTag',
])

/** Properties the openvpn user may read besides owner/ACL/public. */
const SERVICE_READABLE = new Set([
  'name',
  'transfer_owner_session',
  'overrides',
  'dco',
  'persistent',
  'import_timestamp',
  'last_used_timestamp',
  'locked_down',
  'readonly',
  'used_count',
  'valid',
  'tags',
])
const ACL_READABLE = new Set(['public_access', 'acl', 'single_use'])
const OWNER_WRITABLE = new Set(['name', 'locked_down', 'public_access'])

const subject = (s: ConfigState) => ({
  owner: s.owner,
  acl: s.acl,
  publicAccess: s.publicAccess,
})

/**
 * Throw AccessDeniedError unless `uid` may do `req` on `s`. `openvpnUid` is the service
 * account (backends and the session manager run as it).
 */
export function authorizeConfig(
  req: AccessRequest,
  uid: number,
  s: ConfigState,
  openvpnUid: number
): void {
  const ok = (opts: Parameters<typeof hasAccess>[2], text = TEXT_DENIED) => {
    if (!hasAccess(uid, subject(s), opts)) throw new AccessDeniedError(text)
  }
  switch (req.kind) {
    case 'method': {
      if (WRITE_METHODS.has(req.member)) {
        if (s.readonly) throw new AccessDeniedError(TEXT_SEALED)
        return ok({ ownerOnly: true })
      }
      if (req.member === 'Fetch' || req.member === 'FetchJSON') {
        if (s.lockedDown) return ok({ ownerOnly: true, extraUids: [openvpnUid] })
        return ok({ extraUids: [openvpnUid] })
      }
      if (req.member === 'Seal' || req.member === 'Remove') return ok({ ownerOnly: true })
      return ok({ allowPublic: true })
    }
    case 'get': {
      if (req.property === 'owner') return
      if (SERVICE_READABLE.has(req.property))
        return ok({ allowPublic: true, extraUids: [openvpnUid] })
      if (ACL_READABLE.has(req.property)) return ok({ allowPublic: true })
      return ok({ allowRoot: true, extraUids: [openvpnUid] })
    }
    case 'set': {
      if (s.readonly) throw new AccessDeniedError(TEXT_SEALED)
      if (OWNER_WRITABLE.has(req.property)) return ok({ ownerOnly: true }, TEXT_OWNER_ONLY)
      return ok({}, TEXT_OWNER_ONLY)
    }
  }
}

/** The manager's list filter: owner, granted, or public (root has no extra visibility). */
export function isListed(uid: number, s: ConfigState): boolean {
  return hasAccess(uid, subject(s), { allowPublic: true })
}
