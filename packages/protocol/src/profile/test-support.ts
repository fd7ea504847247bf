/**
 * Helpers shared by the profile parser tests: a minimal valid profile built from the test PKI,
 * and assertions that parse and show every issue on failure. Test-only.
 */
import { strict as assert } from 'node:assert'
import { renderIssues, type ProfileIssue, type ProfileIssueCode } from './issues.js'
import { parseProfile } from './parse.js'
import type { Profile } from './profile.js'
import { CA_CERT, CLIENT_CERT, CLIENT_KEY } from './testdata.js'

/** A fixed clock inside the test certificates' validity. */
export const NOW = new Date('2030-01-01T00:00:00Z')

/** The credentials part of a valid profile (no directives). */
export const CREDENTIALS = `<ca>\n${CA_CERT}</ca>\n<cert>\n${CLIENT_CERT}</cert>\n<key>\n${CLIENT_KEY}</key>\n`

/** A minimal valid profile. */
export const BASE = `client\ndev tun\nremote vpn.example.net 1194\n${CREDENTIALS}`

/** `extra` lines first (so their line numbers start at 1), then the base profile. */
export function withLines(extra: string, base = BASE): string {
  return `${extra}\n${base}`
}

/** Parse and require success; fails the test with every issue rendered. */
export function parseOk(text: string): { profile: Profile; warnings: ProfileIssue[] } {
  const r = parseProfile(text, { now: NOW })
  if (!r.ok) return assert.fail(`expected the profile to parse:\n${renderIssues(r.issues)}`)
  return { profile: r.profile, warnings: r.warnings }
}

/** Parse and require an error with `code` (and `line` / `directive` when given). */
export function parseFails(
  text: string,
  code: ProfileIssueCode,
  line?: number,
  directive?: string
): ProfileIssue[] {
  const r = parseProfile(text, { now: NOW })
  assert.equal(r.ok, false, `expected a '${code}' error, the profile parsed`)
  if (r.ok) return []
  const hit = r.issues.find(
    (i) =>
      i.code === code &&
      (line === undefined || i.line === line) &&
      (directive === undefined || i.directive === directive)
  )
  assert.ok(hit, `no '${code}' error at line ${line ?? '?'}; issues:\n${renderIssues(r.issues)}`)
  return r.issues
}

/** Parse and require success with a warning of `code`. */
export function parseWarns(text: string, code: ProfileIssueCode, line?: number): Profile {
  const { profile, warnings } = parseOk(text)
  const hit = warnings.find((w) => w.code === code && (line === undefined || w.line === line))
  assert.ok(hit, `no '${code}' warning; warnings:\n${renderIssues(warnings)}`)
  return profile
}
