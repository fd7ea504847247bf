/**
 * @module @openvpn3-ts/configmgr
 * net.openvpn.v3.configuration service (spec dbus-api.md §3): the manager, configuration
 * objects, access rules, override table and persistent store. The process entry is main.ts.
 */
export { ConfigManager, type ConfigManagerOptions } from './manager.js'
export { exportConfigObject, MAX_ACL, MAX_TAGS, MAX_TAG_LENGTH } from './config-object.js'
export { authorizeConfig, isListed, TEXT_DENIED, TEXT_OWNER_ONLY, TEXT_SEALED } from './access.js'
export { OVERRIDES, overrideSpec, checkOverride, type OverrideSpec } from './overrides.js'
export type { OverrideType, OverrideValue } from './overrides.js'
export { ProfileStore, StoreError } from './store.js'
export { checkProfile, ProfileRefusedError } from './profile.js'
export type { ConfigState } from './state.js'
