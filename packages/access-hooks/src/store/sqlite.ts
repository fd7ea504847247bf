/**
 * SQLite driver (better-sqlite3): one file, WAL mode, nothing to set up. Default store.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import Database from 'better-sqlite3'
import { SqlStore, type Row, type SqlDriver } from './sql-store.js'

class SqliteDriver implements SqlDriver {
  readonly dialect = 'sqlite' as const
  #db: Database.Database
  #inTx = new AsyncLocalStorage<boolean>()
  #lock: Promise<unknown> = Promise.resolve()

  constructor(path: string) {
    this.#db = new Database(path)
    this.#db.pragma('journal_mode = WAL')
    this.#db.pragma('busy_timeout = 5000')
    this.#db.pragma('foreign_keys = ON')
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return this.#db.prepare(sql).all(...params) as Row[]
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return this.#db.prepare(sql).run(...params).changes
  }

  async insert(sql: string, params: readonly unknown[] = []): Promise<number> {
    return Number(this.#db.prepare(sql).run(...params).lastInsertRowid)
  }

  async exec(sql: string): Promise<void> {
    this.#db.exec(sql)
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#inTx.getStore()) return fn()
    const run = async (): Promise<T> => {
      this.#db.exec('BEGIN IMMEDIATE')
      try {
        const r = await this.#inTx.run(true, fn)
        this.#db.exec('COMMIT')
        return r
      } catch (e) {
        this.#db.exec('ROLLBACK')
        throw e
      }
    }
    // Serialise transactions: one BEGIN at a time on this connection.
    const p = this.#lock.then(run, run)
    this.#lock = p.catch(() => undefined)
    return p
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close()
  }
}

export function openSqliteStore(path: string): SqlStore {
  return new SqlStore(new SqliteDriver(path))
}
