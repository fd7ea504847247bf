/**
 * PostgreSQL driver (pg): the option for several VPN servers sharing one store. Placeholders
 * `?` are rewritten to `$n`; transactions take one pooled connection.
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import pg from 'pg'
import { SqlStore, type Row, type SqlDriver } from './sql-store.js'

function dollar(sql: string): string {
  let i = 0
  return sql.replace(/\?/g, () => `$${++i}`)
}

type Queryable = pg.Pool | pg.PoolClient

class PgDriver implements SqlDriver {
  readonly dialect = 'postgres' as const
  #pool: pg.Pool
  #tx = new AsyncLocalStorage<pg.PoolClient>()

  constructor(url: string) {
    this.#pool = new pg.Pool({ connectionString: url, max: 4 })
  }

  #q(): Queryable {
    return this.#tx.getStore() ?? this.#pool
  }

  async all(sql: string, params: readonly unknown[] = []): Promise<Row[]> {
    return (await this.#q().query(dollar(sql), [...params])).rows as Row[]
  }

  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#q().query(dollar(sql), [...params])).rowCount ?? 0
  }

  async insert(sql: string, params: readonly unknown[] = []): Promise<number> {
    const r = await this.#q().query(`${dollar(sql)} RETURNING id`, [...params])
    return Number((r.rows[0] as Row | undefined)?.id)
  }

  async exec(sql: string): Promise<void> {
    await this.#q().query(sql)
  }

  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#tx.getStore()) return fn()
    const client = await this.#pool.connect()
    try {
      await client.query('BEGIN')
      const r = await this.#tx.run(client, fn)
      await client.query('COMMIT')
      return r
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw e
    } finally {
      client.release()
    }
  }

  async close(): Promise<void> {
    await this.#pool.end()
  }
}

export function openPostgresStore(url: string): SqlStore {
  return new SqlStore(new PgDriver(url))
}
