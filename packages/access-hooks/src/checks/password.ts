/**
 * Username and password against the user store (Argon2id hashes). Also decodes the static
 * challenge form SCRV1 (spec 6.1) and falls back to a credential-lookup callback (JazzVPN
 * `user_key`) for users not in the store.
 */
import { timingSafeEqual, createHash } from 'node:crypto'
import { PASS, deny, type Check } from '../chain/types.js'
import { parseScrv1 } from '../mgmt/commands.js'
import { verifyPassword } from '../password.js'
import type { PasswordVerifier } from '../password-pool.js'

export type CredentialLookup = (
  username: string,
  realm: string
) => Promise<string | null | undefined>

const FAILED = 'authentication failed'

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest()
  const hb = createHash('sha256').update(b).digest()
  return timingSafeEqual(ha, hb)
}

export function passwordCheck(
  init: { lookup?: CredentialLookup | undefined; verify?: PasswordVerifier | undefined } = {}
): Check {
  const verify = init.verify ?? verifyPassword
  return {
    name: 'password',
    async run(ctx) {
      const { username, realm } = ctx.client
      if (username === '') return deny('no username sent', FAILED)
      const user = await ctx.store.getUser(username)
      if (user?.disabled) return deny(`user "${username}" is disabled`, FAILED)
      if (ctx.firstFactorDone) {
        ctx.user = user
        return PASS
      }
      let password = ctx.password ?? ''
      const scr = parseScrv1(password)
      if (scr) {
        password = scr.password
        ctx.otpResponse = scr.response
      }
      if (user) {
        if (!(await verify(user.passwordHash, password)))
          return deny(`wrong password for "${username}"`, FAILED)
        ctx.user = user
        return PASS
      }
      if (init.lookup) {
        const expected = await init.lookup(username, realm)
        if (typeof expected === 'string' && sameSecret(expected, password)) return PASS
      }
      return deny(`unknown user "${username}"`, FAILED)
    },
  }
}
