/**
 * @module @openvpn3-ts/client-hooks
 * Client-side connect/disconnect hooks for OpenVPN 3 sessions (docs/client-hooks.md): a
 * D-Bus client that follows sessions and runs admin/user scripts run-parts style.
 */
export { HooksDaemon, type DaemonLogger } from './daemon.js'
export { buildHookEnv, HOOK_PATH, type HookIdentity } from './env.js'
export type { ConnectEvent, DisconnectEvent, HookEvent, SessionFacts } from './events.js'
export { scanHookDir, ownershipProblem, HOOK_NAME, type HookScan } from './hookdir.js'
export {
  parseOptions,
  defaultHooksDir,
  SYSTEM_HOOKS_DIR,
  UsageError,
  USAGE,
  type HooksOptions,
} from './options.js'
export {
  runHook,
  runParts,
  type HookResult,
  type RunOptions,
  type RunPartsReport,
} from './runner.js'
export { cleanText, MAX_VALUE_LENGTH } from './sanitize.js'
export { SessionWatch, SessionNotVisibleError } from './session-watch.js'
export { SessionTracker, minorName, type TrackerAction } from './tracker.js'
