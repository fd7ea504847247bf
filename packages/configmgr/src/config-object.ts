/**
 * One configuration object `/net/openvpn/v3/configuration/<id>` (spec dbus-api.md §3.2): the
 * methods and properties of `configurationObjectInterface` over a {@link ConfigState}, guarded
 * by {@link authorizeConfig} (§3.3). Every change is persisted for persistent profiles (§3.2
 * last paragraph) through the `persist` callback the manager provides.
 */
import {
  ErrorDomain,
  ServiceError,
  Variant,
  configurationObjectInterface,
  grant,
  revoke,
  type CallContext,
  type ExportedObject,
  type ServiceHost,
  type VariantValue,
} from '@openvpn3-ts/dbus'
import { optionListToJson, renderProfileText } from '@openvpn3-ts/protocol/profile'
import { authorizeConfig } from './access.js'
import { checkOverride } from './overrides.js'
import { validity } from './profile.js'
import { nowSeconds, stripControl, type ConfigState } from './state.js'

export const MAX_TAG_LENGTH = 128
export const MAX_TAGS = 256
export const MAX_ACL = 1024

export interface ConfigObjectHooks {
  /** write the profile to disk when it is persistent; throws ServiceError on failure */
  persist(s: ConfigState): void
  /** remove the object (Remove, single-use consumption) */
  remove(s: ConfigState, why: string): void
  /** true when the call comes from a backend client process */
  isBackend(ctx: CallContext): Promise<boolean>
  openvpnUid: number
  log(message: string, path: string): void
}

function fail(text: string): never {
  throw new ServiceError(ErrorDomain.GDBUSPP, text)
}

function checkTag(raw: string): string {
  const tag = stripControl(raw)
  if (tag === '') fail('Tag value cannot be empty')
  if (tag.length > MAX_TAG_LENGTH) fail('Tag value too long')
  return tag
}

export type ConfigObject = ExportedObject<typeof configurationObjectInterface>

/** Export the object of `s` on `host`. */
export function exportConfigObject(
  host: ServiceHost,
  s: ConfigState,
  hooks: ConfigObjectHooks
): ConfigObject {
  const save = () => hooks.persist(s)
  return host.export(s.path, configurationObjectInterface, {
    authorize: async (req, ctx) => {
      const { uid } = await ctx.caller()
      authorizeConfig(req, uid, s, hooks.openvpnUid)
    },
    methods: {
      Validate: () => {
        const v = validity(s.options)
        if (v.valid !== s.valid) {
          s.valid = v.valid
          s.invalidReason = v.invalidReason
          save()
        }
        if (!v.valid) fail(v.invalidReason ?? 'Configuration profile is not valid')
      },
      Fetch: async (_args, ctx) => {
        const text = renderProfileText(s.options)
        if (await hooks.isBackend(ctx)) {
          if (s.singleUse) {
            // after the reply has gone out
            setImmediate(() => {
              try {
                hooks.remove(s, 'single-use profile fetched by a backend')
              } catch {
                // logged by the manager; the profile stays
              }
            })
          } else {
            s.usedCount += 1
            s.lastUsedTimestamp = nowSeconds()
            save()
          }
        }
        return text
      },
      FetchJSON: () => JSON.stringify(optionListToJson(s.options, { keepRepeated: true })),
      SetOption: () => undefined,
      SetOverride: ({ name, value }) => {
        const problem = checkOverride(name, value.signature)
        if (problem) fail(problem)
        const v: unknown = value.value
        if (typeof v !== 'string' && typeof v !== 'boolean')
          fail(`Unsupported override data type: ${value.signature}`)
        s.overrides.set(name, typeof v === 'string' ? stripControl(v) : v)
        save()
      },
      UnsetOverride: ({ name }) => {
        if (!s.overrides.delete(name)) fail(`Override '${name}' has not been set`)
        save()
      },
      AddTag: ({ tag }) => {
        const t = checkTag(tag)
        if (s.tags.includes(t)) fail('Tag already exists')
        if (s.tags.length >= MAX_TAGS) fail(`Too many tags (at most ${MAX_TAGS})`)
        s.tags.push(t)
        save()
      },
      RemoveTag: ({ tag }) => {
        const t = checkTag(tag)
        const i = s.tags.indexOf(t)
        if (i < 0) fail('Non-existing tag')
        s.tags.splice(i, 1)
        save()
      },
      AccessGrant: ({ uid }) => {
        if (s.acl.includes(uid)) fail('UID already granted access')
        if (s.acl.length >= MAX_ACL) fail(`Access list is full (at most ${MAX_ACL} UIDs)`)
        grant(s.acl, uid)
        save()
        hooks.log(`Access granted to UID ${uid}`, s.path)
      },
      AccessRevoke: ({ uid }) => {
        if (!revoke(s.acl, uid)) fail('UID not granted access')
        save()
        hooks.log(`Access revoked for UID ${uid}`, s.path)
      },
      Seal: () => {
        if (!s.valid) fail('Configuration is not currently valid')
        s.readonly = true
        save()
      },
      Remove: () => {
        hooks.remove(s, 'removed by its owner')
      },
    },
    properties: {
      acl: { get: () => [...s.acl] },
      dco: {
        get: () => s.dco,
        set: (v) => {
          s.dco = v
          save()
        },
      },
      import_timestamp: { get: () => s.importTimestamp },
      last_used_timestamp: { get: () => s.lastUsedTimestamp },
      locked_down: {
        get: () => s.lockedDown,
        set: (v) => {
          s.lockedDown = v
          save()
        },
      },
      name: {
        get: () => s.name,
        set: (v) => {
          s.name = stripControl(v)
          save()
        },
      },
      overrides: {
        get: () => {
          const out: Record<string, VariantValue> = {}
          for (const [k, v] of s.overrides)
            out[k] = new Variant(typeof v === 'boolean' ? 'b' : 's', v)
          return out
        },
      },
      owner: { get: () => s.owner },
      persistent: { get: () => s.persistent },
      public_access: {
        get: () => s.publicAccess,
        set: (v) => {
          s.publicAccess = v
          save()
        },
      },
      readonly: { get: () => s.readonly },
      single_use: { get: () => s.singleUse },
      tags: { get: () => [...s.tags] },
      transfer_owner_session: {
        get: () => s.transferOwnerSession,
        set: (v) => {
          s.transferOwnerSession = v
          save()
        },
      },
      used_count: { get: () => s.usedCount },
      valid: { get: () => s.valid },
    },
  })
}
