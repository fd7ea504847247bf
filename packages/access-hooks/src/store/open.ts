/**
 * Opens the configured store (SQLite by default, PostgreSQL optionally) and creates its tables.
 */
import { mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import type { AccessConfig } from '../config.js'
import { openPostgresStore } from './postgres.js'
import { openSqliteStore } from './sqlite.js'
import type { Store } from './types.js'

export async function openStore(cfg: AccessConfig['store']): Promise<Store> {
  let store: Store
  if (cfg.type === 'sqlite') {
    if (cfg.path !== ':memory:') mkdirSync(dirname(cfg.path), { recursive: true })
    store = openSqliteStore(cfg.path)
  } else store = openPostgresStore(cfg.url)
  await store.init()
  return store
}
