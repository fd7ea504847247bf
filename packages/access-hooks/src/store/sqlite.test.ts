import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { UserExistsError, UserNotFoundError } from '../errors.js'
import { openSqliteStore } from './sqlite.js'
import { storeContract } from './store-contract.js'

const dir = mkdtempSync(join(tmpdir(), 'access-store-'))
after(() => rmSync(dir, { recursive: true, force: true }))

void describe('SQLite store', () => {
  storeContract(async () => {
    const s = openSqliteStore(join(dir, `s${Math.random().toString(16).slice(2)}.db`))
    await s.init()
    return s
  })

  void test('data survives reopening the file', async () => {
    const path = join(dir, 'persist.db')
    const a = openSqliteStore(path)
    await a.init()
    await a.addUser({ username: 'zoe', passwordHash: '$argon2id$x', macs: ['aa:bb:cc:dd:ee:ff'] })
    await a.close()
    const b = openSqliteStore(path)
    await b.init()
    assert.deepEqual((await b.getUser('zoe'))?.macs, ['aa:bb:cc:dd:ee:ff'])
    await assert.rejects(b.addUser({ username: 'zoe', passwordHash: 'x' }), UserExistsError)
    await assert.rejects(b.setPassword('nobody', 'x'), UserNotFoundError)
    await b.close()
  })
})
