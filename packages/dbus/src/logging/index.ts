/**
 * The shared logging layer (issue 7): LogGroup/LogCategory tagging, 0–6 levels, secret
 * scrubbing, Log/StatusChange signals unicast to the log service (spec §1.5, §8.2), local
 * journal-style sinks. See README.md, "Logging layer".
 */
export * from './format.js'
export * from './logger.js'
export * from './scrub.js'
export * from './sinks.js'
export { LogTargets, MAX_PENDING_LINES } from './targets.js'
export type { LogTargetsInit } from './targets.js'
