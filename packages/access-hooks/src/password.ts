/**
 * Argon2id password hashing through libsodium (crypto_pwhash_str / _str_verify). The cost is
 * chosen when hashing and stored inside the hash string, so verification needs no settings.
 */
import sodium from 'libsodium-wrappers-sumo'

export type HashCost = 'interactive' | 'moderate' | 'min'

let ready: Promise<void> | undefined
export function sodiumReady(): Promise<void> {
  ready ??= sodium.ready
  return ready
}

function limits(cost: HashCost): [number, number] {
  switch (cost) {
    case 'interactive':
      return [sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE, sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE]
    case 'moderate':
      return [sodium.crypto_pwhash_OPSLIMIT_MODERATE, sodium.crypto_pwhash_MEMLIMIT_MODERATE]
    case 'min':
      return [sodium.crypto_pwhash_OPSLIMIT_MIN, 8 * 1024 * 1024]
  }
}

export async function hashPassword(
  password: string,
  cost: HashCost = 'interactive'
): Promise<string> {
  await sodiumReady()
  const [ops, mem] = limits(cost)
  return sodium.crypto_pwhash_str(password, ops, mem)
}

/**
 * Argon2id is synchronous CPU work (tens to hundreds of ms). Verifications are queued and each
 * runs in its own event-loop iteration, so a burst of logins cannot starve socket I/O and
 * timers: decisions already made go out between two verifications.
 */
let cpuTail: Promise<unknown> = Promise.resolve()
function inOwnTurn<T>(fn: () => T): Promise<T> {
  const run = cpuTail.then(
    () =>
      new Promise<T>((resolve, reject) =>
        setImmediate(() => {
          try {
            resolve(fn())
          } catch (e) {
            reject(e instanceof Error ? e : new Error(String(e)))
          }
        })
      )
  )
  cpuTail = run.catch(() => undefined)
  return run
}

/** Constant-time verification; false for malformed hashes. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  await sodiumReady()
  if (!hash.startsWith('$argon2id$')) return false
  return inOwnTurn(() => {
    try {
      return sodium.crypto_pwhash_str_verify(hash, password)
    } catch {
      return false
    }
  })
}
