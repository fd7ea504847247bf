/**
 * Runtime fix for dbus-next 0.10.2's match-rule reference counting (libraries.md §1.2(e)):
 * `_addMatch`/`_removeMatch` pass their `hasOwnProperty` arguments the wrong way round, so
 * every listener add sends a new AddMatch and removals never send RemoveMatch; a
 * long-running service then hits `max_match_rules_per_connection` (512) and gets
 * `LimitsExceeded`. We replace both prototype methods with correct refcounting.
 */
import { Message, MessageBusClass } from './dbusnext.js'
import type { MessageBus } from './dbusnext.js'

const PATCHED = Symbol.for('openvpn3-ts.dbus.matchfix')

function busDaemonCall(bus: MessageBus, member: 'AddMatch' | 'RemoveMatch', rule: string) {
  return bus.call(
    new Message({
      path: '/org/freedesktop/DBus',
      destination: 'org.freedesktop.DBus',
      interface: 'org.freedesktop.DBus',
      member,
      signature: 's',
      body: [rule],
    })
  )
}

/** Apply the fix to the MessageBus prototype (idempotent). */
export function applyMatchRuleFix(): void {
  const proto = MessageBusClass.prototype as MessageBus & { [PATCHED]?: boolean }
  if (proto[PATCHED]) return
  proto._addMatch = function addMatch(this: MessageBus, rule: string) {
    const count = Object.prototype.hasOwnProperty.call(this._matchRules, rule)
      ? (this._matchRules[rule] ?? 0)
      : 0
    this._matchRules[rule] = count + 1
    if (count > 0) return Promise.resolve()
    return busDaemonCall(this, 'AddMatch', rule).catch((err: unknown) => {
      // The rule was not added: undo the count so a later add retries.
      const now = (this._matchRules[rule] ?? 1) - 1
      if (now <= 0) delete this._matchRules[rule]
      else this._matchRules[rule] = now
      throw err
    })
  }
  proto._removeMatch = function removeMatch(this: MessageBus, rule: string) {
    if (!Object.prototype.hasOwnProperty.call(this._matchRules, rule)) return Promise.resolve()
    const count = (this._matchRules[rule] ?? 1) - 1
    if (count > 0) {
      this._matchRules[rule] = count
      return Promise.resolve()
    }
    delete this._matchRules[rule]
    if (!this._connection.stream.writable) return Promise.resolve()
    return busDaemonCall(this, 'RemoveMatch', rule)
  }
  proto[PATCHED] = true
}
