/**
 * @module @openvpn3-ts/access-hooks
 * Server-side access hooks for OpenVPN 2.6 via the management interface
 * (`management-client-auth`) and the classic script hooks. Spec: ../shared/spec/access-hooks.md.
 */
export { AccessDaemon, type AccessDaemonInit, type DaemonStats } from './daemon.js'
export { ManagementClient, type ManagementEndpoint } from './mgmt/client.js'
export { NotificationParser, type Notification, type ClientEvent } from './mgmt/notifications.js'
export * as commands from './mgmt/commands.js'
export { parseStatus3 } from './mgmt/status.js'
export { Chain } from './chain/chain.js'
export type { Check, Verdict, AuthContext, ClientIdentity } from './chain/types.js'
export { configSchema, loadConfig, parseConfig, type AccessConfig } from './config.js'
export type { Store, UserRecord, SessionRecord } from './store/types.js'
export { openStore } from './store/open.js'
export { hashPassword, verifyPassword } from './password.js'
export { totp, verifyTotp, generateSecret, otpauthUri, base32Decode, base32Encode } from './totp.js'
export {
  VALIDATE_USER_STATUS_ACCEPTED,
  VALIDATE_USER_STATUS_REJECTED,
  VALIDATE_USER_STATUS_CHALLENGE,
  UNAVAILABLE_CALLBACKS,
  type EventsApi,
} from './events-module.js'
export * from './errors.js'
