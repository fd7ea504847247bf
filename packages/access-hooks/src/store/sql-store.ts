/**
 * Store implementation over a minimal SQL driver, shared by SQLite and PostgreSQL. SQL uses `?`
 * placeholders; the PostgreSQL driver rewrites them to `$n`. Rows are validated with zod at the
 * edge (pg returns BIGINT as strings).
 */
import { z } from 'zod'
import { StoreError, UserExistsError, UserNotFoundError } from '../errors.js'
import { schemaSql } from './schema.js'
import type {
  ChallengeRecord,
  NewSession,
  NewUser,
  SessionEnd,
  SessionFilter,
  SessionRecord,
  Store,
  UserLimits,
  UserRecord,
} from './types.js'

export type Row = Record<string, unknown>

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres'
  all(sql: string, params?: readonly unknown[]): Promise<Row[]>
  /** Returns the number of changed rows. */
  run(sql: string, params?: readonly unknown[]): Promise<number>
  /** INSERT returning the new row id. */
  insert(sql: string, params?: readonly unknown[]): Promise<number>
  exec(sql: string): Promise<void>
  /** Run `fn` in a transaction (serialised). */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  close(): Promise<void>
}

const num = z.union([z.number(), z.string().regex(/^-?\d+$/), z.bigint()]).transform(Number)
const numOrNull = z.union([num, z.null()])

const userRow = z.object({
  username: z.string(),
  password_hash: z.string(),
  totp_secret: z.string().nullable(),
  totp_last_step: num,
  disabled: num,
  max_sessions: numOrNull,
  max_session_seconds: numOrNull,
  daily_seconds: numOrNull,
  created_at: num,
})

const sessionRow = z.object({
  id: num,
  server_id: z.string(),
  server_pid: num,
  conn_key: z.string(),
  cid: numOrNull,
  username: z.string(),
  common_name: z.string(),
  source_ip: z.string(),
  source_port: num,
  vpn_ip4: z.string(),
  vpn_ip6: z.string(),
  state: z.enum(['authorised', 'active', 'ended']),
  started_at: num,
  expires_at: numOrNull,
  ended_at: numOrNull,
  bytes_in: num,
  bytes_out: num,
  duration_s: numOrNull,
  end_reason: z.string().nullable(),
  kill_requested: num,
})

function toSession(r: Row): SessionRecord {
  const s = sessionRow.parse(r)
  return {
    id: s.id,
    serverId: s.server_id,
    serverPid: s.server_pid,
    connKey: s.conn_key,
    cid: s.cid,
    username: s.username,
    commonName: s.common_name,
    sourceIp: s.source_ip,
    sourcePort: s.source_port,
    vpnIp4: s.vpn_ip4,
    vpnIp6: s.vpn_ip6,
    state: s.state,
    startedAt: s.started_at,
    expiresAt: s.expires_at,
    endedAt: s.ended_at,
    bytesIn: s.bytes_in,
    bytesOut: s.bytes_out,
    durationS: s.duration_s,
    endReason: s.end_reason,
    killRequested: s.kill_requested !== 0,
  }
}

const nowS = () => Math.floor(Date.now() / 1000)

export class SqlStore implements Store {
  constructor(protected readonly db: SqlDriver) {}

  get kind(): 'sqlite' | 'postgres' {
    return this.db.dialect
  }

  async init(): Promise<void> {
    for (const s of schemaSql(this.db.dialect)) await this.db.exec(s)
  }

  close(): Promise<void> {
    return this.db.close()
  }

  async addUser(u: NewUser): Promise<void> {
    await this.db.transaction(async () => {
      const existing = await this.db.all('SELECT username FROM users WHERE username = ?', [
        u.username,
      ])
      if (existing.length > 0) throw new UserExistsError(`user "${u.username}" exists`)
      await this.db.run(
        `INSERT INTO users (username, password_hash, totp_secret, max_sessions, max_session_seconds, daily_seconds, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          u.username,
          u.passwordHash,
          u.totpSecret ?? null,
          u.limits?.maxSessions ?? null,
          u.limits?.maxSessionSeconds ?? null,
          u.limits?.dailySeconds ?? null,
          nowS(),
        ]
      )
      for (const mac of u.macs ?? []) {
        await this.db.run('INSERT INTO user_macs (username, mac) VALUES (?, ?)', [u.username, mac])
      }
    })
  }

  async getUser(username: string): Promise<UserRecord | undefined> {
    const rows = await this.db.all('SELECT * FROM users WHERE username = ?', [username])
    const row = rows[0]
    if (!row) return undefined
    const macs = await this.db.all('SELECT mac FROM user_macs WHERE username = ? ORDER BY mac', [
      username,
    ])
    return this.#toUser(
      row,
      macs.map((m) => String(m.mac))
    )
  }

  async listUsers(): Promise<UserRecord[]> {
    const rows = await this.db.all('SELECT * FROM users ORDER BY username')
    const macs = await this.db.all('SELECT username, mac FROM user_macs ORDER BY mac')
    return rows.map((r) =>
      this.#toUser(
        r,
        macs.filter((m) => m.username === r.username).map((m) => String(m.mac))
      )
    )
  }

  #toUser(r: Row, macs: string[]): UserRecord {
    const u = userRow.parse(r)
    return {
      username: u.username,
      passwordHash: u.password_hash,
      macs,
      totpSecret: u.totp_secret,
      totpLastStep: u.totp_last_step,
      disabled: u.disabled !== 0,
      limits: {
        maxSessions: u.max_sessions,
        maxSessionSeconds: u.max_session_seconds,
        dailySeconds: u.daily_seconds,
      },
      createdAt: u.created_at,
    }
  }

  async removeUser(username: string): Promise<boolean> {
    return this.db.transaction(async () => {
      await this.db.run('DELETE FROM user_macs WHERE username = ?', [username])
      return (await this.db.run('DELETE FROM users WHERE username = ?', [username])) > 0
    })
  }

  async #updateUser(username: string, sql: string, params: unknown[]): Promise<void> {
    const n = await this.db.run(sql, [...params, username])
    if (n === 0) throw new UserNotFoundError(`no user "${username}"`)
  }

  setPassword(username: string, hash: string): Promise<void> {
    return this.#updateUser(username, 'UPDATE users SET password_hash = ? WHERE username = ?', [
      hash,
    ])
  }

  setTotp(username: string, secret: string | null): Promise<void> {
    return this.#updateUser(
      username,
      'UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE username = ?',
      [secret]
    )
  }

  async useTotpStep(username: string, step: number): Promise<boolean> {
    const n = await this.db.run(
      'UPDATE users SET totp_last_step = ? WHERE username = ? AND totp_last_step < ?',
      [step, username, step]
    )
    return n > 0
  }

  setLimits(username: string, l: UserLimits): Promise<void> {
    return this.#updateUser(
      username,
      'UPDATE users SET max_sessions = ?, max_session_seconds = ?, daily_seconds = ? WHERE username = ?',
      [l.maxSessions ?? null, l.maxSessionSeconds ?? null, l.dailySeconds ?? null]
    )
  }

  setDisabled(username: string, disabled: boolean): Promise<void> {
    return this.#updateUser(username, 'UPDATE users SET disabled = ? WHERE username = ?', [
      disabled ? 1 : 0,
    ])
  }

  async setMacs(username: string, macs: string[]): Promise<void> {
    await this.db.transaction(async () => {
      const u = await this.db.all('SELECT username FROM users WHERE username = ?', [username])
      if (u.length === 0) throw new UserNotFoundError(`no user "${username}"`)
      await this.db.run('DELETE FROM user_macs WHERE username = ?', [username])
      for (const mac of new Set(macs)) {
        await this.db.run('INSERT INTO user_macs (username, mac) VALUES (?, ?)', [username, mac])
      }
    })
  }

  openSession(s: NewSession): Promise<number> {
    return this.db.insert(
      `INSERT INTO sessions (server_id, server_pid, conn_key, cid, username, common_name, source_ip, source_port, state, started_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'authorised', ?, ?)`,
      [
        s.serverId,
        s.serverPid,
        s.connKey,
        s.cid,
        s.username,
        s.commonName,
        s.sourceIp,
        s.sourcePort,
        s.startedAt,
        s.expiresAt,
      ]
    )
  }

  async getSession(id: number): Promise<SessionRecord | undefined> {
    const rows = await this.db.all('SELECT * FROM sessions WHERE id = ?', [id])
    return rows[0] ? toSession(rows[0]) : undefined
  }

  async findOpenSession(serverId: string, connKey: string): Promise<SessionRecord | undefined> {
    const rows = await this.db.all(
      `SELECT * FROM sessions WHERE server_id = ? AND conn_key = ? AND state <> 'ended' ORDER BY id DESC`,
      [serverId, connKey]
    )
    return rows[0] ? toSession(rows[0]) : undefined
  }

  async markActive(id: number, vpnIp4: string, vpnIp6: string): Promise<void> {
    await this.db.run(
      `UPDATE sessions SET state = 'active', vpn_ip4 = ?, vpn_ip6 = ? WHERE id = ? AND state <> 'ended'`,
      [vpnIp4, vpnIp6, id]
    )
  }

  async updateBytes(id: number, bytesIn: number, bytesOut: number): Promise<void> {
    await this.db.run(
      `UPDATE sessions SET bytes_in = ?, bytes_out = ? WHERE id = ? AND state <> 'ended'`,
      [bytesIn, bytesOut, id]
    )
  }

  async closeSession(id: number, end: SessionEnd): Promise<void> {
    const s = await this.getSession(id)
    if (!s) throw new StoreError(`no session ${id}`)
    if (s.state === 'ended') return
    await this.db.run(
      `UPDATE sessions SET state = 'ended', ended_at = ?, bytes_in = ?, bytes_out = ?, duration_s = ?, end_reason = ? WHERE id = ?`,
      [
        end.endedAt,
        end.bytesIn ?? s.bytesIn,
        end.bytesOut ?? s.bytesOut,
        end.durationS ?? Math.max(0, end.endedAt - s.startedAt),
        end.reason,
        id,
      ]
    )
  }

  async listSessions(f: SessionFilter): Promise<SessionRecord[]> {
    const where: string[] = []
    const params: unknown[] = []
    if (f.serverId !== undefined) {
      where.push('server_id = ?')
      params.push(f.serverId)
    }
    if (f.username !== undefined) {
      where.push('username = ?')
      params.push(f.username)
    }
    if (f.activeOnly) where.push(`state <> 'ended'`)
    const sql = `SELECT * FROM sessions ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`
    params.push(f.limit ?? 1000)
    return (await this.db.all(sql, params)).map(toSession)
  }

  async countOpenSessions(username: string): Promise<number> {
    const rows = await this.db.all(
      `SELECT COUNT(*) AS n FROM sessions WHERE username = ? AND state <> 'ended'`,
      [username]
    )
    return num.parse(rows[0]?.n ?? 0)
  }

  async usageSince(username: string, since: number, now: number): Promise<number> {
    const rows = await this.db.all(
      `SELECT started_at, ended_at, duration_s FROM sessions WHERE username = ? AND (ended_at IS NULL OR ended_at > ?)`,
      [username, since]
    )
    let total = 0
    for (const r of rows) {
      const start = num.parse(r.started_at)
      const end = r.ended_at === null ? now : num.parse(r.ended_at)
      total += Math.max(0, end - Math.max(start, since))
    }
    return total
  }

  async requestKill(id: number): Promise<boolean> {
    return (
      (await this.db.run(
        `UPDATE sessions SET kill_requested = 1 WHERE id = ? AND state <> 'ended'`,
        [id]
      )) > 0
    )
  }

  async killRequests(serverId: string): Promise<SessionRecord[]> {
    const rows = await this.db.all(
      `SELECT * FROM sessions WHERE server_id = ? AND kill_requested = 1 AND state <> 'ended'`,
      [serverId]
    )
    return rows.map(toSession)
  }

  async saveChallenge(c: ChallengeRecord): Promise<void> {
    await this.db.run('INSERT INTO challenges (state_id, username, created_at) VALUES (?, ?, ?)', [
      c.stateId,
      c.username,
      c.createdAt,
    ])
  }

  async takeChallenge(stateId: string): Promise<ChallengeRecord | undefined> {
    return this.db.transaction(async () => {
      const rows = await this.db.all('SELECT * FROM challenges WHERE state_id = ?', [stateId])
      const r = rows[0]
      if (!r) return undefined
      await this.db.run('DELETE FROM challenges WHERE state_id = ?', [stateId])
      return { stateId, username: String(r.username), createdAt: num.parse(r.created_at) }
    })
  }
}
