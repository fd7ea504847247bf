/**
 * Session limits: maximum concurrent sessions per user, maximum time per session and per day.
 * Sets the session allowance so the daemon kills at the limit (client-kill) and adds
 * `session-timeout` to the client config as a backstop (spec 7.1, 7.2).
 */
import { PASS, deny, type Check } from '../chain/types.js'

export interface SessionLimitsInit {
  maxPerUser?: number | undefined
  maxSessionSeconds?: number | undefined
  dailySeconds?: number | undefined
  utcDays: boolean
}

export function startOfDay(now: Date, utc: boolean): number {
  const d = new Date(now)
  if (utc) d.setUTCHours(0, 0, 0, 0)
  else d.setHours(0, 0, 0, 0)
  return Math.floor(d.getTime() / 1000)
}

export function sessionLimitsCheck(init: SessionLimitsInit): Check {
  return {
    name: 'sessions',
    async run(ctx) {
      const username = ctx.user?.username ?? ctx.client.username
      const l = ctx.user?.limits ?? {}
      const maxPerUser = l.maxSessions ?? init.maxPerUser
      const maxSession = l.maxSessionSeconds ?? init.maxSessionSeconds
      const daily = l.dailySeconds ?? init.dailySeconds
      const nowS = Math.floor(ctx.now.getTime() / 1000)
      if (maxPerUser !== undefined && !ctx.reauth) {
        const open = await ctx.store.countOpenSessions(username)
        if (open >= maxPerUser)
          return deny(
            `"${username}" has ${open} open sessions (max ${maxPerUser})`,
            'too many sessions'
          )
      }
      let allowance: number | undefined = maxSession
      if (daily !== undefined) {
        const used = await ctx.store.usageSince(username, startOfDay(ctx.now, init.utcDays), nowS)
        const left = daily - used
        if (left <= 0)
          return deny(
            `"${username}" used ${used}s today (daily limit ${daily}s)`,
            'daily time limit reached'
          )
        allowance = allowance === undefined ? left : Math.min(allowance, left)
      }
      if (allowance !== undefined && !ctx.reauth) {
        ctx.allowanceS = allowance
        // Backstop if the daemon is detached when the time is up (spec 7.1).
        ctx.config.push(`session-timeout ${allowance + 5}`)
      }
      return PASS
    },
  }
}
