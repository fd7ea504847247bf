/**
 * The store interface shared by the SQLite (default, one file) and PostgreSQL (several servers)
 * implementations: users with Argon2id hashes, registered MACs, TOTP secrets, per-user limits,
 * sessions with accounting, CRV1 challenge state and kill requests.
 */

export interface UserLimits {
  maxSessions?: number | null
  maxSessionSeconds?: number | null
  dailySeconds?: number | null
}

export interface UserRecord {
  username: string
  /** Argon2id string from crypto_pwhash_str (`$argon2id$v=19$…`). */
  passwordHash: string
  macs: string[]
  totpSecret: string | null
  totpLastStep: number
  disabled: boolean
  limits: UserLimits
  createdAt: number
}

export interface NewUser {
  username: string
  passwordHash: string
  macs?: string[]
  totpSecret?: string | null
  limits?: UserLimits
}

export type SessionState = 'authorised' | 'active' | 'ended'

export interface SessionRecord {
  id: number
  serverId: string
  serverPid: number
  /** `mgmt:<cid>` in management mode, `script:<time_unix>:<ip>:<port>` in script mode. */
  connKey: string
  cid: number | null
  username: string
  commonName: string
  sourceIp: string
  sourcePort: number
  vpnIp4: string
  vpnIp6: string
  state: SessionState
  /** Epoch seconds. */
  startedAt: number
  /** Epoch seconds when the session time allowance runs out, if limited. */
  expiresAt: number | null
  endedAt: number | null
  bytesIn: number
  bytesOut: number
  durationS: number | null
  endReason: string | null
  killRequested: boolean
}

export interface NewSession {
  serverId: string
  serverPid: number
  connKey: string
  cid: number | null
  username: string
  commonName: string
  sourceIp: string
  sourcePort: number
  startedAt: number
  expiresAt: number | null
}

export interface SessionEnd {
  endedAt: number
  bytesIn?: number
  bytesOut?: number
  durationS?: number
  reason: string
}

export interface ChallengeRecord {
  stateId: string
  username: string
  createdAt: number
}

export interface SessionFilter {
  serverId?: string
  username?: string
  activeOnly?: boolean
  limit?: number
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres'
  init(): Promise<void>
  close(): Promise<void>

  addUser(user: NewUser): Promise<void>
  getUser(username: string): Promise<UserRecord | undefined>
  listUsers(): Promise<UserRecord[]>
  removeUser(username: string): Promise<boolean>
  setPassword(username: string, hash: string): Promise<void>
  setMacs(username: string, macs: string[]): Promise<void>
  setTotp(username: string, secret: string | null): Promise<void>
  /** Record a used TOTP step; false if `step` is not newer than the last one (replay). */
  useTotpStep(username: string, step: number): Promise<boolean>
  setLimits(username: string, limits: UserLimits): Promise<void>
  setDisabled(username: string, disabled: boolean): Promise<void>

  openSession(s: NewSession): Promise<number>
  getSession(id: number): Promise<SessionRecord | undefined>
  findOpenSession(serverId: string, connKey: string): Promise<SessionRecord | undefined>
  markActive(id: number, vpnIp4: string, vpnIp6: string): Promise<void>
  updateBytes(id: number, bytesIn: number, bytesOut: number): Promise<void>
  closeSession(id: number, end: SessionEnd): Promise<void>
  listSessions(filter: SessionFilter): Promise<SessionRecord[]>
  countOpenSessions(username: string): Promise<number>
  /** Seconds of VPN time used by `username` in sessions overlapping [since, now]. */
  usageSince(username: string, since: number, now: number): Promise<number>
  requestKill(id: number): Promise<boolean>
  killRequests(serverId: string): Promise<SessionRecord[]>

  saveChallenge(c: ChallengeRecord): Promise<void>
  takeChallenge(stateId: string): Promise<ChallengeRecord | undefined>
}
