/**
 * Runs checks in order. `pass` goes on, anything else ends the chain; a chain where every check
 * passed accepts. A throwing check denies (fail closed) with its error in the log reason.
 */
import type { AuthContext, Check, Verdict } from './types.js'

export interface ChainResult {
  verdict: Exclude<Verdict, { type: 'pass' }>
  /** Name of the check that decided, or 'chain' when all passed. */
  by: string
}

export class Chain {
  constructor(readonly checks: readonly Check[]) {}

  async run(ctx: AuthContext): Promise<ChainResult> {
    for (const check of this.checks) {
      let v: Verdict
      try {
        v = await check.run(ctx)
      } catch (e) {
        return {
          verdict: { type: 'deny', reason: `${check.name} failed: ${(e as Error).message}` },
          by: check.name,
        }
      }
      if (v.type !== 'pass') return { verdict: v, by: check.name }
    }
    return { verdict: { type: 'accept' }, by: 'chain' }
  }
}
