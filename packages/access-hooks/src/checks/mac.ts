/**
 * MAC / device binding from IV_HWADDR or a UV_ variable. Both need `push-peer-info` on the
 * client and are asserted by the client (forgeable): a convenience, not a security boundary
 * (spec 5).
 */
import { PASS, deny, type Check } from '../chain/types.js'

export function normaliseMac(mac: string): string {
  return mac.trim().toLowerCase().replace(/-/g, ':')
}

export function macCheck(init: { variable: string; required: boolean }): Check {
  return {
    name: 'mac',
    run(ctx) {
      const user = ctx.user
      if (!user) return PASS
      const sent = ctx.client.peerInfo[init.variable]
      if (user.macs.length === 0) {
        return init.required
          ? deny(`no device registered for "${user.username}"`, 'device not registered')
          : PASS
      }
      if (sent === undefined || sent === '') {
        return deny(
          `client sent no ${init.variable} (needs push-peer-info)`,
          'device identity missing'
        )
      }
      const mac = normaliseMac(sent)
      if (!user.macs.map(normaliseMac).includes(mac)) {
        return deny(
          `device ${mac} is not registered for "${user.username}"`,
          'device not registered'
        )
      }
      return PASS
    },
  }
}
