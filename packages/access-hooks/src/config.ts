/**
 * Daemon / hook configuration: a JSON file validated with zod at start, reporting every problem
 * at once (style rule 8), then semantic checks (CIDRs, time windows, files).
 */
import { accessSync, constants as fsc, readFileSync } from 'node:fs'
import { z } from 'zod'
import { parseCidr } from './cidr.js'
import { ConfigError } from './errors.js'
import { parseTimeWindow } from './time-window.js'

const macVar = z
  .string()
  .regex(/^(IV_HWADDR|UV_[A-Za-z0-9_]+)$/, 'must be IV_HWADDR or a UV_ variable')

export const configSchema = z
  .object({
    serverId: z.string().min(1).max(64).default('default'),
    logLevel: z.enum(['error', 'warn', 'info', 'debug']).default('info'),
    management: z
      .object({
        socket: z.string().min(1).optional(),
        host: z.string().min(1).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        passwordFile: z.string().min(1).optional(),
        bytecountIntervalS: z.number().int().min(0).max(3600).default(30),
        commandTimeoutMs: z.number().int().min(100).max(120_000).default(15_000),
      })
      .strict()
      .refine((m) => (m.socket !== undefined) !== (m.host !== undefined && m.port !== undefined), {
        message: 'give either "socket" or both "host" and "port"',
      })
      .optional(),
    store: z
      .discriminatedUnion('type', [
        z.object({ type: z.literal('sqlite'), path: z.string().min(1) }).strict(),
        z
          .object({ type: z.literal('postgres'), url: z.string().regex(/^postgres(ql)?:\/\//) })
          .strict(),
      ])
      .default({ type: 'sqlite', path: '/var/lib/openvpn3-access/access.db' }),
    passwordHashCost: z.enum(['interactive', 'moderate', 'min']).default('interactive'),
    /** Worker threads verifying Argon2id hashes in the daemon (0: on the main thread). */
    passwordWorkers: z.number().int().min(0).max(64).default(2),
    realmSeparator: z.string().length(1).optional(),
    source: z
      .object({
        allow: z.array(z.string()).default([]),
        deny: z.array(z.string()).default([]),
        timeWindows: z.array(z.string()).default([]),
        utc: z.boolean().default(false),
      })
      .strict()
      .optional(),
    password: z
      .object({ enabled: z.boolean().default(true) })
      .strict()
      .default({ enabled: true }),
    mac: z
      .object({ variable: macVar.default('IV_HWADDR'), required: z.boolean().default(true) })
      .strict()
      .optional(),
    totp: z
      .object({
        issuer: z.string().min(1).max(64).default('OpenVPN'),
        digits: z.number().int().min(6).max(8).default(6),
        stepS: z.number().int().min(10).max(300).default(30),
        algorithm: z.enum(['sha1', 'sha256', 'sha512']).default('sha1'),
        window: z.number().int().min(0).max(5).default(1),
        method: z.enum(['auto', 'crv1', 'crtext']).default('auto'),
        challengeText: z.string().min(1).max(100).default('Enter your authenticator code'),
      })
      .strict()
      .optional(),
    sessions: z
      .object({
        maxPerUser: z.number().int().min(1).optional(),
        maxSessionSeconds: z.number().int().min(1).optional(),
        dailySeconds: z.number().int().min(1).optional(),
        utcDays: z.boolean().default(false),
      })
      .strict()
      .optional(),
    scripts: z
      .object({
        connect: z.string().min(1).optional(),
        disconnect: z.string().min(1).optional(),
        profileId: z.string().default('default'),
        timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
        env: z.record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/), z.string()).default({}),
      })
      .strict()
      .optional(),
    events: z
      .object({ module: z.string().min(1) })
      .strict()
      .optional(),
  })
  .strict()

export type AccessConfig = z.infer<typeof configSchema>

function zodIssues(err: z.ZodError): string[] {
  return err.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
}

/** Semantic checks beyond the schema; returns every issue. */
export function semanticIssues(c: AccessConfig, mode: 'daemon' | 'hook' | 'cli'): string[] {
  const issues: string[] = []
  for (const [k, list] of [
    ['source.allow', c.source?.allow ?? []],
    ['source.deny', c.source?.deny ?? []],
  ] as const) {
    list.forEach((cidr, i) => {
      try {
        parseCidr(cidr)
      } catch (e) {
        issues.push(`${k}.${i}: ${(e as Error).message}`)
      }
    })
  }
  c.source?.timeWindows.forEach((w, i) => {
    try {
      parseTimeWindow(w)
    } catch (e) {
      issues.push(`source.timeWindows.${i}: ${(e as Error).message}`)
    }
  })
  if (mode === 'daemon' && !c.management) issues.push('management: required to serve')
  if (c.management?.passwordFile) {
    try {
      accessSync(c.management.passwordFile, fsc.R_OK)
    } catch {
      issues.push(`management.passwordFile: cannot read "${c.management.passwordFile}"`)
    }
  }
  for (const k of ['connect', 'disconnect'] as const) {
    const p = c.scripts?.[k]
    if (p === undefined) continue
    try {
      accessSync(p, fsc.X_OK)
    } catch {
      issues.push(`scripts.${k}: "${p}" is not an executable file`)
    }
  }
  if (c.events) {
    try {
      accessSync(c.events.module, fsc.R_OK)
    } catch {
      issues.push(`events.module: cannot read "${c.events.module}"`)
    }
  }
  if (c.totp && !c.password.enabled)
    issues.push('totp: needs password.enabled (TOTP is a second factor)')
  return issues
}

export function parseConfig(raw: unknown, mode: 'daemon' | 'hook' | 'cli'): AccessConfig {
  const r = configSchema.safeParse(raw)
  if (!r.success) throw new ConfigError(zodIssues(r.error))
  const issues = semanticIssues(r.data, mode)
  if (issues.length) throw new ConfigError(issues)
  return r.data
}

export function loadConfig(path: string, mode: 'daemon' | 'hook' | 'cli'): AccessConfig {
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    throw new ConfigError([`${path}: ${(e as Error).message}`], { cause: e })
  }
  return parseConfig(raw, mode)
}
