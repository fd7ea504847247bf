/**
 * User name ↔ UID for the CLI (`--grant alice`, owner columns), read from /etc/passwd as the
 * services do (no NSS in plain Node).
 */
import { readFileSync } from 'node:fs'
import { UsageError } from './errors.js'

function passwd(): string[][] {
  try {
    return readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => l.split(':'))
  } catch {
    return []
  }
}

export function userName(uid: number): string | undefined {
  return passwd().find((f) => f[2] === String(uid))?.[0]
}

/** `(1000) alice`, or `(1000)` for an unknown UID. */
export function describeUid(uid: number): string {
  const n = userName(uid)
  return n ? `(${uid}) ${n}` : `(${uid})`
}

/** A UID from a decimal number or a user name. */
export function resolveUid(user: string): number {
  if (/^\d{1,10}$/.test(user)) {
    const n = Number(user)
    if (n <= 0xffffffff) return n
  }
  const f = passwd().find((x) => x[0] === user)
  if (!f || f[2] === undefined) throw new UsageError(`unknown user '${user}'`)
  return Number(f[2])
}
