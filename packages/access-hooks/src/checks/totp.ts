/**
 * Second factor with TOTP (RFC 6238). Without a response the check challenges; the daemon then
 * chooses CRV1 (dynamic challenge) or CR_TEXT (pending auth) from the client's IV_SSO (spec 6).
 * A used time step is recorded so a code cannot be replayed.
 */
import { PASS, deny, type Check } from '../chain/types.js'
import { verifyTotp, type TotpOptions } from '../totp.js'

export function totpCheck(init: TotpOptions & { challengeText: string }): Check {
  return {
    name: 'totp',
    async run(ctx) {
      const user = ctx.user
      if (!user?.totpSecret) return PASS
      if (ctx.reauth) return PASS
      if (ctx.otpResponse === undefined)
        return { type: 'challenge', text: init.challengeText, echo: true }
      const step = verifyTotp(user.totpSecret, ctx.otpResponse, ctx.now.getTime() / 1000, init)
      if (step === undefined)
        return deny(`wrong one-time code for "${user.username}"`, 'wrong one-time code')
      if (!(await ctx.store.useTotpStep(user.username, step))) {
        return deny(`one-time code replayed for "${user.username}"`, 'one-time code already used')
      }
      return PASS
    },
  }
}
