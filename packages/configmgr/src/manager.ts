/**
 * The configuration manager `/net/openvpn/v3/configuration` (spec dbus-api.md §3.1): Import,
 * the list/search methods with the §3.4 filter, TransferOwnership, the
 * `ConfigurationManagerEvent` broadcast; owns every configuration object, loads persistent
 * ones at start (§3.8) and says whether anything in memory keeps the service alive (§1.7:
 * only non-persistent profiles do).
 */
import { basename } from 'node:path'
import {
  ConfigManagerEventType,
  ErrorDomain,
  ObjectPath,
  SERVICE_VERSION,
  ServiceError,
  configurationManagerInterface,
  lookupUid,
  newConfigurationPath,
  type CallContext,
  type DBusConnection,
  type ExportedObject,
  type Logger,
  type ServiceHost,
} from '@openvpn3-ts/dbus'
import { isListed } from './access.js'
import { isBackendCaller } from './backend-caller.js'
import { exportConfigObject, type ConfigObject } from './config-object.js'
import { ProfileRefusedError, checkProfile } from './profile.js'
import { nowSeconds, stripControl, type ConfigState } from './state.js'
import type { ProfileStore } from './store.js'

/** Profiles one UID may hold at once (a bound on memory and disk per user). */
export const DEFAULT_MAX_PROFILES_PER_OWNER = 1000

export interface ConfigManagerOptions {
  /** persistent profiles live here; undefined: `persistent` imports stay in memory */
  store?: ProfileStore
  openvpnUid: number
  log: Logger
  maxProfilesPerOwner?: number
}

interface Entry {
  state: ConfigState
  object: ConfigObject
}

export class ConfigManager {
  readonly #entries = new Map<string, Entry>()
  #manager: ExportedObject<typeof configurationManagerInterface> | undefined

  constructor(
    private readonly host: ServiceHost,
    private readonly conn: DBusConnection,
    private readonly opts: ConfigManagerOptions
  ) {}

  /** True while a non-persistent profile exists (it would be lost on exit). */
  get busy(): boolean {
    for (const e of this.#entries.values()) if (!e.state.persistent) return true
    return false
  }

  get size(): number {
    return this.#entries.size
  }

  /** Load persistent profiles and export the manager object. */
  start(): void {
    const { store, log } = this.opts
    if (store) {
      store.ensureDir()
      const r = store.load()
      // file names only (the directory is in the summary line): a long path component can
      // look like key material to the log layer's scrubber and be redacted
      for (const p of r.problems) {
        log.error(`Could not load ${basename(p.file)}: ${p.reason} (skipped)`)
      }
      for (const p of r.skippedOverrides) log.warn(`${p.file}: ${p.reason} (ignored)`)
      for (const s of r.configs) this.#add(s)
      log.info(`Loaded ${r.configs.length} persistent configuration(s) from ${store.dir}`)
    }
    this.#manager = this.host.export(ObjectPath.configuration, configurationManagerInterface, {
      methods: {
        Import: (a, ctx) => this.#import(a, ctx),
        FetchAvailableConfigs: async (_a, ctx) => this.#visible(await uidOf(ctx)),
        LookupConfigName: async ({ config_name }, ctx) =>
          this.#visible(await uidOf(ctx), (s) => s.name === config_name),
        SearchByTag: async ({ tag }, ctx) =>
          this.#visible(await uidOf(ctx), (s) => s.tags.includes(tag)),
        SearchByOwner: async ({ owner }, ctx) => {
          const want = /^\d{1,10}$/.test(owner) ? Number(owner) : lookupUid(owner)
          if (want === undefined) return []
          return this.#visible(await uidOf(ctx), (s) => s.owner === want)
        },
        TransferOwnership: async ({ path, new_owner_uid }, ctx) => {
          const uid = await uidOf(ctx)
          const e = this.#entries.get(path)
          if (!e || (uid !== 0 && !isListed(uid, e.state))) return
          const old = e.state.owner
          e.state.owner = new_owner_uid
          this.#persist(e.state)
          this.opts.log.info(`Ownership changed from ${old} to ${new_owner_uid}`, { path })
        },
      },
      properties: { version: { get: () => SERVICE_VERSION } },
    })
  }

  #visible(uid: number, pred: (s: ConfigState) => boolean = () => true): string[] {
    const out: string[] = []
    for (const e of this.#entries.values()) {
      if (isListed(uid, e.state) && pred(e.state)) out.push(e.state.path)
    }
    return out
  }

  async #import(
    a: { name: string; config_str: string; single_use: boolean; persistent: boolean },
    ctx: CallContext
  ): Promise<string> {
    const uid = await uidOf(ctx)
    const max = this.opts.maxProfilesPerOwner ?? DEFAULT_MAX_PROFILES_PER_OWNER
    let owned = 0
    for (const e of this.#entries.values()) if (e.state.owner === uid) owned++
    if (owned >= max) {
      throw new ServiceError(
        ErrorDomain.REQUEST,
        `Too many configuration profiles for UID ${uid} (at most ${max})`
      )
    }
    let checked
    try {
      checked = checkProfile(stripControl(a.config_str, true))
    } catch (err) {
      if (err instanceof ProfileRefusedError) {
        this.opts.log.warn(`Import refused for UID ${uid}: ${err.issues.length} problem(s)`)
        throw new ServiceError(ErrorDomain.REQUEST, err.message, { cause: err })
      }
      throw err
    }
    const now = nowSeconds()
    const state: ConfigState = {
      path: newConfigurationPath(),
      name: stripControl(a.name),
      owner: uid,
      acl: [],
      publicAccess: false,
      lockedDown: false,
      transferOwnerSession: false,
      persistent: a.persistent && this.opts.store !== undefined,
      readonly: false,
      singleUse: a.single_use,
      valid: checked.valid,
      invalidReason: checked.invalidReason,
      dco: false,
      overrides: new Map(),
      tags: [],
      importTimestamp: now,
      lastUsedTimestamp: 0n,
      usedCount: 0,
      options: checked.options,
    }
    this.#persist(state)
    this.#add(state)
    this.opts.log.info(
      `Imported configuration '${state.name}' for UID ${uid}` +
        `${state.persistent ? ' (persistent)' : ''}${state.valid ? '' : ' (not valid)'}`,
      { path: state.path }
    )
    this.#manager?.emit('ConfigurationManagerEvent', [
      state.path,
      ConfigManagerEventType.CFG_CREATED,
      uid,
    ])
    return state.path
  }

  #persist(s: ConfigState): void {
    const store = this.opts.store
    if (!s.persistent || !store) return
    try {
      store.save(s)
    } catch (err) {
      this.opts.log.error('Could not save the configuration profile', { path: s.path, error: err })
      throw new ServiceError(ErrorDomain.GDBUSPP, 'Could not save the configuration profile', {
        cause: err,
      })
    }
  }

  #add(s: ConfigState): void {
    const object = exportConfigObject(this.host, s, {
      persist: (st) => this.#persist(st),
      remove: (st, why) => this.#remove(st, why),
      isBackend: (ctx) => isBackendCaller(this.conn, ctx),
      openvpnUid: this.opts.openvpnUid,
      log: (m, p) => this.opts.log.info(m, { path: p }),
    })
    this.#entries.set(s.path, { state: s, object })
  }

  #remove(s: ConfigState, why: string): void {
    const e = this.#entries.get(s.path)
    if (!e) return
    if (s.persistent && this.opts.store) {
      try {
        this.opts.store.remove(s.path)
      } catch (err) {
        this.opts.log.error('Could not remove the configuration file', { path: s.path, error: err })
        throw new ServiceError(ErrorDomain.GDBUSPP, 'Could not remove the configuration file', {
          cause: err,
        })
      }
    }
    this.#entries.delete(s.path)
    e.object.unexport()
    this.opts.log.info(`Configuration '${s.name}' removed: ${why}`, { path: s.path })
    this.#manager?.emit('ConfigurationManagerEvent', [
      s.path,
      ConfigManagerEventType.CFG_DESTROYED,
      s.owner,
    ])
  }
}

async function uidOf(ctx: CallContext): Promise<number> {
  return (await ctx.caller()).uid
}
