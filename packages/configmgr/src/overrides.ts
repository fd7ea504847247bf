/**
 * Override checks of `SetOverride` (spec dbus-api.md §3.7): the table itself is part of the
 * contract and lives in `@openvpn3-ts/dbus`; this adds the upstream error texts.
 */
import { overrideSpec } from '@openvpn3-ts/dbus'

export { OVERRIDES, overrideSpec } from '@openvpn3-ts/dbus'
export type { OverrideSpec, OverrideType, OverrideValue } from '@openvpn3-ts/dbus'

/** Why an override value is refused, or null when it fits (D-Bus signature `sig`). */
export function checkOverride(name: string, sig: string): string | null {
  const spec = overrideSpec(name)
  if (!spec) return `Invalid override key '${name}'`
  if (sig !== 's' && sig !== 'b') return `Unsupported override data type: ${sig}`
  if (sig !== spec.type) return `(SetOverride) Invalid override data type for '${name}': ${sig}`
  return null
}
