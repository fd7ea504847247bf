/**
 * Classic script mode: one executable for `auth-user-pass-verify … via-file` (deferred through
 * auth_control_file, or synchronous with --sync), `client-connect` and `client-disconnect`,
 * applying the same chain and store as the daemon (spec 3.2, 3.4, 3.5, 6.2).
 * Kept small: the server is blocked while a script runs (spec 3.1), so the expensive part of
 * user-pass-verify runs in a detached worker and the hook exits 2 at once.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { Chain } from './chain/chain.js'
import { sessionLimitsCheck } from './checks/sessions.js'
import type { AccessConfig } from './config.js'
import { loadEventsModule } from './events-module.js'
import { identityFromEnv } from './identity.js'
import type { Logger } from './logger.js'
import { crv1Challenge, parseCrv1Response } from './mgmt/commands.js'
import { buildChain, newContext } from './policy.js'
import { runScript, vpnEnv } from './scripts.js'
import { CHALLENGE_TTL_MS } from './constants.js'
import type { Store } from './store/types.js'

/** OpenVPN script exit codes (spec 3.2). */
export const EXIT_OK = 0
export const EXIT_FAIL = 1
export const EXIT_DEFERRED = 2

export type Env = Record<string, string | undefined>

export interface HookDeps {
  config: AccessConfig
  store: Store
  logger: Logger
}

function scriptKey(env: Env): string {
  return `script:${env.time_unix ?? '0'}:${env.untrusted_ip ?? env.untrusted_ip6 ?? ''}:${env.untrusted_port ?? ''}`
}

/** Read `username\npassword\n` written by OpenVPN for via-file (spec 3.2). */
export function readViaFile(path: string): { username: string; password: string } {
  const [username = '', password = ''] = readFileSync(path, 'utf8').split('\n')
  return { username, password }
}

export interface AuthDecision {
  ok: boolean
  /** AUTH_FAILED text (also CRV1 challenges). */
  reason?: string
  log: string
}

/** Run the full chain for user-pass-verify. */
export async function decideAuth(
  deps: HookDeps,
  env: Env,
  username: string,
  password: string
): Promise<AuthDecision> {
  const events = deps.config.events
    ? await loadEventsModule(deps.config.events.module, deps.logger)
    : undefined
  const chain = buildChain(deps.config, events)
  const client = identityFromEnv(
    { ...env, username },
    { realmSeparator: deps.config.realmSeparator }
  )
  const crv1 = parseCrv1Response(password)
  let ctx
  if (crv1) {
    const ch = await deps.store.takeChallenge(crv1.stateId)
    if (!ch || Date.now() - ch.createdAt > CHALLENGE_TTL_MS || ch.username !== username) {
      return { ok: false, reason: 'challenge expired', log: 'unknown or expired CRV1 state' }
    }
    ctx = newContext(client, deps.store, { firstFactorDone: true, otpResponse: crv1.response })
  } else {
    ctx = newContext(client, deps.store, { password })
  }
  const r = await chain.run(ctx)
  const v = r.verdict
  switch (v.type) {
    case 'accept':
      return { ok: true, log: `accepted by ${r.by}` }
    case 'deny':
      return {
        ok: false,
        reason: v.clientReason ?? 'authentication failed',
        log: `${r.by}: ${v.reason}`,
      }
    case 'challenge': {
      const stateId = randomBytes(12).toString('hex')
      await deps.store.saveChallenge({ stateId, username, createdAt: Date.now() })
      return {
        ok: false,
        reason: crv1Challenge(stateId, username, v.text, v.echo),
        log: 'second factor required',
      }
    }
  }
}

/** Write the deferred result: reason file first, then the control file (spec 3.2). */
export function writeAuthResult(env: Env, d: AuthDecision): void {
  if (!d.ok && d.reason && env.auth_failed_reason_file)
    writeFileSync(env.auth_failed_reason_file, d.reason)
  if (env.auth_control_file) writeFileSync(env.auth_control_file, d.ok ? '1' : '0')
}

/** client-connect: session limits, session record, connect script, session-timeout (spec 3.4). */
export async function clientConnect(
  deps: HookDeps,
  env: Env,
  configFile: string | undefined
): Promise<number> {
  const { config, store, logger } = deps
  const username = env.username || env.common_name || ''
  const client = identityFromEnv(env, { realmSeparator: config.realmSeparator })
  const ctx = newContext(client, store, { firstFactorDone: true })
  ctx.user = await store.getUser(client.username)
  if (config.sessions) {
    const r = await new Chain([sessionLimitsCheck(config.sessions)]).run(ctx)
    if (r.verdict.type === 'deny') {
      logger.info(`client-connect refused "${username}": ${r.verdict.reason}`)
      return EXIT_FAIL
    }
  }
  const startedAt = Number(env.time_unix ?? 0) || Math.floor(Date.now() / 1000)
  const now = Math.floor(Date.now() / 1000)
  const id = await store.openSession({
    serverId: config.serverId,
    serverPid: Number(env.daemon_pid ?? 0) || 0,
    connKey: scriptKey(env),
    cid: null,
    username: ctx.user?.username ?? client.username,
    commonName: client.commonName,
    sourceIp: client.sourceIp,
    sourcePort: client.sourcePort,
    startedAt,
    expiresAt: ctx.allowanceS === undefined ? null : now + ctx.allowanceS,
  })
  const ip4 = env.ifconfig_pool_remote_ip ?? ''
  const ip6 = env.ifconfig_pool_remote_ip6 ?? ''
  await store.markActive(id, ip4, ip6)
  const sc = config.scripts
  if (sc?.connect) {
    const r = await runScript(
      sc.connect,
      vpnEnv(
        {
          event: 'C',
          userId: ctx.user?.username ?? client.username,
          profileId: sc.profileId,
          connectionId: client.commonName || client.username,
          ip4,
          ip6,
          originatingIp: env.trusted_ip ?? env.trusted_ip6 ?? client.sourceIp,
          serverId: config.serverId,
          sessionId: id,
        },
        sc.env
      ),
      sc.timeoutMs
    )
    if (r.code !== 0) {
      await store.closeSession(id, { endedAt: now, reason: 'rejected by connect script' })
      logger.info(`connect script rejected "${username}" (exit ${r.code ?? r.signal})`)
      return EXIT_FAIL
    }
  }
  if (configFile && ctx.allowanceS !== undefined)
    writeFileSync(configFile, `session-timeout ${ctx.allowanceS}\n`)
  return EXIT_OK
}

/** client-disconnect: accounting and disconnect script (spec 3.5). Exit code is ignored by OpenVPN. */
export async function clientDisconnect(deps: HookDeps, env: Env): Promise<number> {
  const { config, store } = deps
  const s = await store.findOpenSession(config.serverId, scriptKey(env))
  const bytesIn = Number(env.bytes_received ?? 0) || 0
  const bytesOut = Number(env.bytes_sent ?? 0) || 0
  if (s) {
    const durationS = Number(env.time_duration ?? NaN)
    await store.closeSession(s.id, {
      endedAt: Math.floor(Date.now() / 1000),
      bytesIn,
      bytesOut,
      ...(Number.isFinite(durationS) ? { durationS } : {}),
      reason:
        s.expiresAt !== null && Date.now() / 1000 >= s.expiresAt
          ? 'session time limit reached'
          : 'disconnected',
    })
  }
  const sc = config.scripts
  if (sc?.disconnect) {
    const client = identityFromEnv(env, { realmSeparator: config.realmSeparator })
    await runScript(
      sc.disconnect,
      vpnEnv(
        {
          event: 'D',
          userId: s?.username ?? client.username,
          profileId: sc.profileId,
          connectionId: client.commonName || client.username,
          ip4: env.ifconfig_pool_remote_ip ?? '',
          ip6: env.ifconfig_pool_remote_ip6 ?? '',
          originatingIp: client.sourceIp,
          bytesIn,
          bytesOut,
          serverId: config.serverId,
          ...(s ? { sessionId: s.id } : {}),
        },
        sc.env
      ),
      sc.timeoutMs
    )
  }
  return EXIT_OK
}
