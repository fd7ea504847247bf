/**
 * The undo list (style rule 7): before each step that changes the system, the step records how
 * to reverse it. `undoAll()` runs the records newest first, keeps going when one fails, and
 * reports the failures; it is idempotent (records run once).
 */

export interface UndoFailure {
  what: string
  error: unknown
}

interface UndoRecord {
  what: string
  run: () => Promise<void> | void
}

export class UndoList {
  #records: UndoRecord[] = []

  /** Records how to reverse a change that has just been made. */
  push(what: string, run: () => Promise<void> | void): void {
    this.#records.push({ what, run })
  }

  get size(): number {
    return this.#records.length
  }

  /** Descriptions, oldest first (diagnostics and tests). */
  list(): string[] {
    return this.#records.map((r) => r.what)
  }

  /** Reverses every recorded change, newest first. */
  async undoAll(): Promise<UndoFailure[]> {
    const failures: UndoFailure[] = []
    while (this.#records.length > 0) {
      const r = this.#records.pop()
      if (!r) break
      try {
        await r.run()
      } catch (error) {
        failures.push({ what: r.what, error })
      }
    }
    return failures
  }
}
