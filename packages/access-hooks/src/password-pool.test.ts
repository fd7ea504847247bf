import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { hashPassword, verifyPassword } from './password.js'
import { PasswordPool } from './password-pool.js'

void test('Argon2id: hash and verify inline and on worker threads, malformed hashes fail', async () => {
  const hash = await hashPassword('correct horse', 'min')
  assert.match(hash, /^\$argon2id\$v=19\$/)
  assert.equal(await verifyPassword(hash, 'correct horse'), true)
  assert.equal(await verifyPassword(hash, 'wrong'), false)
  assert.equal(await verifyPassword('$2y$10$bcrypt', 'x'), false)
  const pool = new PasswordPool(2)
  try {
    const results = await Promise.all([
      pool.verify(hash, 'correct horse'),
      pool.verify(hash, 'wrong'),
      pool.verify(hash, 'correct horse'),
      pool.verify('$argon2id$garbage', 'x'),
    ])
    assert.deepEqual(results, [true, false, true, false])
  } finally {
    await pool.close()
  }
  // closed pool falls back to inline verification
  assert.equal(await pool.verify(hash, 'correct horse'), true)
})
