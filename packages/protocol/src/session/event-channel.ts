/**
 * @module session/event-channel
 * A tiny typed event fan-out with listener subscription and async iteration.
 */

export class EventChannel<T> {
  private readonly listeners = new Set<(e: T) => void>()
  private closed = false

  subscribe(listener: (e: T) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  emit(event: T): void {
    if (this.closed) return
    for (const l of [...this.listeners]) {
      try {
        l(event)
      } catch {
        // a failing listener must not break the engine
      }
    }
  }

  close(): void {
    this.closed = true
    this.listeners.clear()
  }

  /** Iterates events from now on; ends after an event for which `isLast` is true. */
  iterate(isLast: (e: T) => boolean): AsyncIterableIterator<T> {
    const queue: T[] = []
    let waiting: ((r: IteratorResult<T>) => void) | undefined
    let done = this.closed
    const unsubscribe = this.subscribe((e) => {
      if (waiting) {
        const w = waiting
        waiting = undefined
        w({ value: e, done: false })
      } else queue.push(e)
      if (isLast(e)) {
        done = true
        unsubscribe()
      }
    })
    const it: AsyncIterableIterator<T> = {
      next: () => {
        const v = queue.shift()
        if (v !== undefined) return Promise.resolve({ value: v, done: false })
        if (done) return Promise.resolve({ value: undefined, done: true })
        return new Promise((r) => (waiting = r))
      },
      return: () => {
        done = true
        unsubscribe()
        return Promise.resolve({ value: undefined, done: true })
      },
      [Symbol.asyncIterator]: () => it,
    }
    return it
  }
}
