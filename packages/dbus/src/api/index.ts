/**
 * Every openvpn3 service declaration, in one list (spec §1.1 service map).
 */
import type { ServiceDecl } from '../declare.js'
import { backendClientService, backendsService } from './backends.js'
import { configurationService } from './configuration.js'
import { logService } from './log.js'
import { netcfgService } from './netcfg.js'
import { sessionsService } from './sessions.js'

export * from './backends.js'
export * from './common.js'
export * from './configuration.js'
export * from './log.js'
export * from './netcfg.js'
export * from './sessions.js'

/** All services, in the order of spec §1.1. */
export const services: readonly ServiceDecl[] = [
  configurationService,
  sessionsService,
  backendsService,
  backendClientService,
  netcfgService,
  logService,
]
