/**
 * Argon2id verification on worker threads, so the daemon's event loop never runs the hash and
 * several logins are verified in parallel on a multi-core server. Each worker loads libsodium
 * (sumo) once; jobs go to the least busy worker. Used by the daemon; the hook verifies inline.
 */
import { createRequire } from 'node:module'
import { Worker } from 'node:worker_threads'
import { z } from 'zod'
import { verifyPassword } from './password.js'

export type PasswordVerifier = (hash: string, password: string) => Promise<boolean>

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads')
const sodium = require(workerData.sodiumPath)
sodium.ready.then(() => {
  parentPort.on('message', (m) => {
    let ok = false
    try { ok = sodium.crypto_pwhash_str_verify(m.hash, m.password) } catch { ok = false }
    parentPort.postMessage({ id: m.id, ok })
  })
})
`

const reply = z.object({ id: z.number(), ok: z.boolean() })

interface Slot {
  worker: Worker
  busy: number
}

export class PasswordPool {
  #slots: Slot[] = []
  #pending = new Map<number, { resolve: (ok: boolean) => void; slot: Slot }>()
  #next = 0
  #closed = false

  constructor(size: number) {
    const sodiumPath = createRequire(import.meta.url).resolve('libsodium-wrappers-sumo')
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodiumPath } })
      worker.unref()
      const slot: Slot = { worker, busy: 0 }
      worker.on('message', (m: unknown) => {
        const r = reply.safeParse(m)
        if (!r.success) return
        const p = this.#pending.get(r.data.id)
        if (!p) return
        this.#pending.delete(r.data.id)
        p.slot.busy -= 1
        p.resolve(r.data.ok)
      })
      worker.on('error', () => this.#failSlot(slot))
      worker.on('exit', () => this.#failSlot(slot))
      this.#slots.push(slot)
    }
  }

  /** Verify on the least busy worker; inline if the pool is closed or empty (fail safe). */
  verify: PasswordVerifier = (hash, password) => {
    const slot = this.#slots.reduce<Slot | undefined>(
      (a, s) => (a === undefined || s.busy < a.busy ? s : a),
      undefined
    )
    if (this.#closed || !slot || !hash.startsWith('$argon2id$'))
      return verifyPassword(hash, password)
    const id = ++this.#next
    slot.busy += 1
    return new Promise<boolean>((resolve) => {
      this.#pending.set(id, { resolve, slot })
      slot.worker.postMessage({ id, hash, password })
    })
  }

  #failSlot(slot: Slot): void {
    this.#slots = this.#slots.filter((s) => s !== slot)
    for (const [id, p] of this.#pending) {
      if (p.slot !== slot) continue
      this.#pending.delete(id)
      p.resolve(false) // fail closed
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    const slots = this.#slots
    this.#slots = []
    await Promise.all(slots.map((s) => s.worker.terminate()))
  }
}
