/**
 * Table definitions shared by both stores (portable SQL; SERIAL/AUTOINCREMENT differ and are
 * substituted per dialect).
 */
export function schemaSql(dialect: 'sqlite' | 'postgres'): string[] {
  const id = dialect === 'sqlite' ? 'INTEGER PRIMARY KEY AUTOINCREMENT' : 'BIGSERIAL PRIMARY KEY'
  const big = dialect === 'sqlite' ? 'INTEGER' : 'BIGINT'
  return [
    `CREATE TABLE IF NOT EXISTS users (
      username TEXT PRIMARY KEY,
      password_hash TEXT NOT NULL,
      totp_secret TEXT,
      totp_last_step ${big} NOT NULL DEFAULT 0,
      disabled INTEGER NOT NULL DEFAULT 0,
      max_sessions INTEGER,
      max_session_seconds INTEGER,
      daily_seconds INTEGER,
      created_at ${big} NOT NULL
    )`,
    `CREATE TABLE IF NOT EXISTS user_macs (
      username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
      mac TEXT NOT NULL,
      PRIMARY KEY (username, mac)
    )`,
    `CREATE TABLE IF NOT EXISTS sessions (
      id ${id},
      server_id TEXT NOT NULL,
      server_pid INTEGER NOT NULL,
      conn_key TEXT NOT NULL,
      cid ${big},
      username TEXT NOT NULL,
      common_name TEXT NOT NULL,
      source_ip TEXT NOT NULL,
      source_port INTEGER NOT NULL,
      vpn_ip4 TEXT NOT NULL DEFAULT '',
      vpn_ip6 TEXT NOT NULL DEFAULT '',
      state TEXT NOT NULL,
      started_at ${big} NOT NULL,
      expires_at ${big},
      ended_at ${big},
      bytes_in ${big} NOT NULL DEFAULT 0,
      bytes_out ${big} NOT NULL DEFAULT 0,
      duration_s ${big},
      end_reason TEXT,
      kill_requested INTEGER NOT NULL DEFAULT 0
    )`,
    `CREATE INDEX IF NOT EXISTS sessions_user ON sessions(username, started_at)`,
    `CREATE INDEX IF NOT EXISTS sessions_open ON sessions(server_id, conn_key, state)`,
    `CREATE TABLE IF NOT EXISTS challenges (
      state_id TEXT PRIMARY KEY,
      username TEXT NOT NULL,
      created_at ${big} NOT NULL
    )`,
  ]
}
