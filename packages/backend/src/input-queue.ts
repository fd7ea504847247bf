/**
 * The user-input queue of a backend client (spec §6.5; upstream `RequiresQueue`): slots the
 * backend creates when the engine needs credentials, the four D-Bus methods' semantics and
 * their exact error texts (spec §6.3). Slot IDs count per (type, group) from 0. Values are
 * secrets: they are never logged and never returned over D-Bus.
 */
import { ErrorDomain, ServiceError } from '@openvpn3-ts/dbus'

export interface InputSlot {
  readonly type: number
  readonly group: number
  readonly id: number
  readonly name: string
  readonly description: string
  readonly hidden: boolean
  value: string | undefined
}

/** Strip control characters (incl. newlines), as upstream does for provided values. */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, '')
}

const requestError = (text: string): ServiceError => new ServiceError(ErrorDomain.REQUEST, text)

export class InputQueue {
  readonly #slots: InputSlot[] = []

  /** Adds a slot; `value` set = already answered (e.g. the dynamic-challenge cookie). */
  add(
    type: number,
    group: number,
    name: string,
    description: string,
    hidden: boolean,
    value?: string
  ): number {
    const id = this.#slots.filter((s) => s.type === type && s.group === group).length
    this.#slots.push({ type, group, id, name, description, hidden, value })
    return id
  }

  /** True when a slot of that group/name exists (answered or not). */
  has(group: number, name: string): boolean {
    return this.#slots.some((s) => s.group === group && s.name === name)
  }

  /** The answer of a slot, or undefined. */
  value(group: number, name: string): string | undefined {
    return this.#slots.find((s) => s.group === group && s.name === name && s.value !== undefined)
      ?.value
  }

  /** Drops every slot of a group (e.g. a new dynamic challenge replaces the old one). */
  removeGroup(group: number): void {
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      if (this.#slots[i]?.group === group) this.#slots.splice(i, 1)
    }
  }

  /** Forget every answer of a group (credentials to be asked again). */
  clearGroup(group: number): void {
    for (const s of this.#slots) if (s.group === group) s.value = undefined
  }

  get pendingCount(): number {
    return this.#slots.filter((s) => s.value === undefined).length
  }

  /** `UserInputQueueGetTypeGroup`: distinct (type, group) pairs with unanswered slots. */
  typeGroups(): [number, number][] {
    const seen = new Set<string>()
    const out: [number, number][] = []
    for (const s of this.#slots) {
      const key = `${s.type}:${s.group}`
      if (s.value === undefined && !seen.has(key)) {
        seen.add(key)
        out.push([s.type, s.group])
      }
    }
    return out
  }

  /** `UserInputQueueCheck`: IDs of unanswered slots of one pair. */
  check(type: number, group: number): number[] {
    return this.#slots
      .filter((s) => s.type === type && s.group === group && s.value === undefined)
      .map((s) => s.id)
  }

  /** `UserInputQueueFetch`: slot details (never the value). */
  fetch(
    type: number,
    group: number,
    id: number
  ): [number, number, number, string, string, boolean] {
    const s = this.#slots.find((x) => x.type === type && x.group === group && x.id === id)
    if (!s) throw requestError('net.openvpn.v3.element-not-found: No requires queue element found')
    if (s.value !== undefined) {
      throw requestError('net.openvpn.v3.already-provided: User input already provided')
    }
    return [s.type, s.group, s.id, s.name, s.description, s.hidden]
  }

  /** `UserInputProvide`: stores the answer; returns the slot answered. */
  provide(type: number, group: number, id: number, raw: string): InputSlot {
    const value = stripControl(raw)
    if (value === '') {
      throw requestError(
        `net.openvpn.v3.error.invalid-input: No value provided for RequiresSlot ID ${id}`
      )
    }
    if (this.check(type, group).length === 0) throw requestError('User input not required')
    const s = this.#slots.find((x) => x.type === type && x.group === group && x.id === id)
    if (!s) {
      throw requestError(
        'net.openvpn.v3.invalid-input: No matching entry found in the request queue'
      )
    }
    if (s.value !== undefined) {
      throw requestError(
        `net.openvpn.v3.error.input-already-provided: Request ID ${id} has already been provided`
      )
    }
    s.value = value
    return s
  }
}
