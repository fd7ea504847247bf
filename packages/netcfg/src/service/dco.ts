/**
 * DcoAvailable (spec §7.2). This netcfg has no DCO implementation, so it answers false on every
 * kernel; it still looks for the kernel module (`ovpn`, mainline since 6.16, or the out-of-tree
 * `ovpn_dco_v2`) so the log can say why.
 */
import { existsSync } from 'node:fs'

/** True when this build can drive kernel DCO (it cannot). */
export const DCO_IMPLEMENTED = false

export function kernelHasOvpnModule(): boolean {
  return existsSync('/sys/module/ovpn') || existsSync('/sys/module/ovpn_dco_v2')
}

export function dcoAvailable(): boolean {
  return DCO_IMPLEMENTED && kernelHasOvpnModule()
}
