/**
 * @module crypto/replay
 * Sliding replay windows: the short-id window of the data channel (spec §13.5) and the
 * (time, id) window of tls-auth / tls-crypt (spec §4.1). Only authenticated packets may
 * update a window; `check` never changes state, `update` records an accepted id.
 */

export const DEFAULT_REPLAY_WINDOW = 64

export class ReplayWindow {
  private highest = 0
  private readonly seen: Uint8Array

  constructor(readonly size: number = DEFAULT_REPLAY_WINDOW) {
    this.seen = new Uint8Array(size)
  }

  /** True if `id` is acceptable (not zero, not seen, not older than the window). */
  check(id: number): boolean {
    if (id === 0) return false
    if (id > this.highest) return true
    if (this.highest - id >= this.size) return false
    return this.seen[id % this.size] === 0
  }

  update(id: number): void {
    if (id > this.highest) {
      const gap = id - this.highest
      if (gap >= this.size) this.seen.fill(0)
      else for (let i = this.highest + 1; i <= id; i++) this.seen[i % this.size] = 0
      this.highest = id
    }
    this.seen[id % this.size] = 1
  }

  /** check + update; returns whether the id was accepted. */
  accept(id: number): boolean {
    if (!this.check(id)) return false
    this.update(id)
    return true
  }
}

/** Long-form (id, time) window: a later time restarts the window (spec §4.1). */
export class LongReplayWindow {
  private time = 0
  private window: ReplayWindow

  constructor(private readonly size: number = DEFAULT_REPLAY_WINDOW) {
    this.window = new ReplayWindow(size)
  }

  check(id: number, time: number): boolean {
    if (id === 0 || time < this.time) return false
    if (time > this.time) return true
    return this.window.check(id)
  }

  update(id: number, time: number): void {
    if (time > this.time) {
      this.time = time
      this.window = new ReplayWindow(this.size)
    }
    this.window.update(id)
  }
}
