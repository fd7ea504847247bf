/**
 * Source address allow/deny lists (CIDR) and time windows. JazzVPN's "connection acceptance"
 * runs before TLS; OpenVPN 2.6 has no such hook, so this runs at >CLIENT:CONNECT / auth time
 * (spec 2.8).
 */
import { CidrSet } from '../cidr.js'
import { PASS, deny, type Check } from '../chain/types.js'
import { inWindow, parseTimeWindow } from '../time-window.js'

export interface SourceCheckInit {
  allow: readonly string[]
  deny: readonly string[]
  timeWindows: readonly string[]
  utc: boolean
}

export function sourceCheck(init: SourceCheckInit): Check {
  const allow = new CidrSet(init.allow)
  const denied = new CidrSet(init.deny)
  const windows = init.timeWindows.map(parseTimeWindow)
  return {
    name: 'source',
    run(ctx) {
      const ip = ctx.client.sourceIp
      if (denied.size > 0 && denied.has(ip))
        return deny(`source ${ip} is on the deny list`, 'source address not allowed')
      if (allow.size > 0 && !allow.has(ip))
        return deny(`source ${ip} is not on the allow list`, 'source address not allowed')
      if (windows.length > 0 && !windows.some((w) => inWindow(w, ctx.now, init.utc))) {
        return deny('outside the allowed time windows', 'connections not allowed at this time')
      }
      return PASS
    },
  }
}
