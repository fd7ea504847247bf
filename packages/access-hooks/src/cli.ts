/**
 * The `openvpn3-access` admin CLI as a command table (name, usage, handler): serve, users
 * add|list|remove|passwd|set-mac|set-totp|set-limits, sessions list|kill, check-config.
 * Handlers get parsed arguments and an output sink; main.ts owns argv, stdin and exit codes.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { normaliseMac } from './checks/mac.js'
import { configSchema, loadConfig, semanticIssues, type AccessConfig } from './config.js'
import { ConfigError } from './errors.js'
import { loadEventsModule } from './events-module.js'
import { silentLogger } from './logger.js'
import { hashPassword } from './password.js'
import { openStore } from './store/open.js'
import type { SessionRecord, Store } from './store/types.js'
import { generateSecret, otpauthUri } from './totp.js'

export interface CliIo {
  out(line: string): void
  err(line: string): void
  /** Read a secret (password) from stdin. */
  readSecret(): Promise<string>
  /** Run the daemon until a stop signal; returns the exit code. */
  serve(config: AccessConfig, configPath: string): Promise<number>
}

interface Command {
  name: string
  usage: string
  run(args: string[], ctx: { configPath: string; io: CliIo }): Promise<number>
}

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/

async function withStore<T>(
  configPath: string,
  fn: (s: Store, c: AccessConfig) => Promise<T>
): Promise<T> {
  const config = loadConfig(configPath, 'cli')
  const store = await openStore(config.store)
  try {
    return await fn(store, config)
  } finally {
    await store.close()
  }
}

function macs(values: string[]): string[] {
  const out = values.map(normaliseMac)
  const bad = out.filter((m) => !MAC_RE.test(m))
  if (bad.length) throw new ConfigError(bad.map((b) => `not a MAC address: "${b}"`))
  return out
}

function intOpt(v: string | undefined, name: string): number | null | undefined {
  if (v === undefined) return undefined
  if (v === 'none') return null
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1)
    throw new ConfigError([`${name}: expected a positive integer or "none", got "${v}"`])
  return n
}

const limitOptions = {
  'max-sessions': { type: 'string' },
  'max-session-seconds': { type: 'string' },
  'daily-seconds': { type: 'string' },
} as const

function limitsFrom(v: Record<string, string | boolean | string[] | undefined>) {
  const l: {
    maxSessions?: number | null
    maxSessionSeconds?: number | null
    dailySeconds?: number | null
  } = {}
  const ms = intOpt(v['max-sessions'] as string | undefined, '--max-sessions')
  const mss = intOpt(v['max-session-seconds'] as string | undefined, '--max-session-seconds')
  const ds = intOpt(v['daily-seconds'] as string | undefined, '--daily-seconds')
  if (ms !== undefined) l.maxSessions = ms
  if (mss !== undefined) l.maxSessionSeconds = mss
  if (ds !== undefined) l.dailySeconds = ds
  return l
}

function fmtTime(s: number | null): string {
  return s === null ? '-' : new Date(s * 1000).toISOString().replace('.000Z', 'Z')
}

function sessionLine(s: SessionRecord): string {
  return [
    s.id,
    s.serverId,
    s.username,
    s.commonName || '-',
    `${s.sourceIp}:${s.sourcePort}`,
    s.vpnIp4 || '-',
    s.state,
    fmtTime(s.startedAt),
    fmtTime(s.endedAt),
    s.durationS ?? '-',
    s.bytesIn,
    s.bytesOut,
    s.endReason ?? '-',
  ].join('\t')
}

export const COMMANDS: Command[] = [
  {
    name: 'serve',
    usage: 'serve                      run the daemon on the configured management interface',
    async run(_args, { configPath, io }) {
      return io.serve(loadConfig(configPath, 'daemon'), configPath)
    },
  },
  {
    name: 'check-config',
    usage: 'check-config               validate the configuration and list every problem',
    async run(_args, { configPath, io }) {
      let raw: unknown
      try {
        raw = JSON.parse(readFileSync(configPath, 'utf8'))
      } catch (e) {
        io.err(`${configPath}: ${(e as Error).message}`)
        return 1
      }
      const r = configSchema.safeParse(raw)
      const issues = r.success
        ? semanticIssues(r.data, 'daemon')
        : r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      if (r.success && r.data.events && issues.length === 0) {
        try {
          const ev = await loadEventsModule(r.data.events.module, silentLogger)
          for (const w of ev.warnings) io.out(`warning: ${w}`)
        } catch (e) {
          issues.push(`events.module: ${(e as Error).message}`)
        }
      }
      for (const i of issues) io.err(`error: ${i}`)
      if (issues.length === 0) io.out(`${configPath}: OK`)
      return issues.length === 0 ? 0 : 1
    },
  },
  {
    name: 'users add',
    usage:
      'users add <name> [--mac M]... [--totp] [--max-sessions N] [--max-session-seconds N] [--daily-seconds N]   (password on stdin)',
    async run(args, { configPath, io }) {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
          mac: { type: 'string', multiple: true },
          totp: { type: 'boolean' },
          ...limitOptions,
        },
      })
      const name = positionals[0]
      if (!name) throw new ConfigError(['users add: missing user name'])
      const m = macs(values.mac ?? [])
      const limits = limitsFrom(values)
      const password = await io.readSecret()
      if (password === '') throw new ConfigError(['users add: empty password'])
      return withStore(configPath, async (store, config) => {
        const secret = values.totp ? generateSecret() : null
        await store.addUser({
          username: name,
          passwordHash: await hashPassword(password, config.passwordHashCost),
          macs: m,
          totpSecret: secret,
          limits,
        })
        io.out(`added user ${name}`)
        if (secret) {
          io.out(`totp secret: ${secret}`)
          io.out(
            `totp uri: ${otpauthUri(secret, name, config.totp?.issuer ?? 'OpenVPN', config.totp ?? {})}`
          )
        }
        return 0
      })
    },
  },
  {
    name: 'users list',
    usage: 'users list [--json]',
    async run(args, { configPath, io }) {
      const { values } = parseArgs({ args, options: { json: { type: 'boolean' } } })
      return withStore(configPath, async (store) => {
        const users = await store.listUsers()
        if (values.json) {
          io.out(
            JSON.stringify(
              users.map((u) => ({
                ...u,
                passwordHash: undefined,
                totpSecret: undefined,
                totp: u.totpSecret !== null,
              }))
            )
          )
        } else {
          io.out('USER\tMACS\tTOTP\tDISABLED\tMAX_SESSIONS\tMAX_SESSION_S\tDAILY_S')
          for (const u of users) {
            io.out(
              [
                u.username,
                u.macs.join(',') || '-',
                u.totpSecret ? 'yes' : 'no',
                u.disabled ? 'yes' : 'no',
                u.limits.maxSessions ?? '-',
                u.limits.maxSessionSeconds ?? '-',
                u.limits.dailySeconds ?? '-',
              ].join('\t')
            )
          }
        }
        return 0
      })
    },
  },
  {
    name: 'users remove',
    usage: 'users remove <name>',
    async run(args, { configPath, io }) {
      const name = args[0]
      if (!name) throw new ConfigError(['users remove: missing user name'])
      return withStore(configPath, async (store) => {
        if (!(await store.removeUser(name))) {
          io.err(`no user ${name}`)
          return 1
        }
        io.out(`removed user ${name}`)
        return 0
      })
    },
  },
  {
    name: 'users passwd',
    usage: 'users passwd <name>        (new password on stdin)',
    async run(args, { configPath, io }) {
      const name = args[0]
      if (!name) throw new ConfigError(['users passwd: missing user name'])
      const password = await io.readSecret()
      if (password === '') throw new ConfigError(['users passwd: empty password'])
      return withStore(configPath, async (store, config) => {
        await store.setPassword(name, await hashPassword(password, config.passwordHashCost))
        io.out(`password changed for ${name}`)
        return 0
      })
    },
  },
  {
    name: 'users set-mac',
    usage: 'users set-mac <name> [MAC...]   (no MAC clears the list)',
    async run(args, { configPath, io }) {
      const [name, ...rest] = args
      if (!name) throw new ConfigError(['users set-mac: missing user name'])
      const m = macs(rest)
      return withStore(configPath, async (store) => {
        await store.setMacs(name, m)
        io.out(`${name}: ${m.length ? m.join(', ') : 'no registered devices'}`)
        return 0
      })
    },
  },
  {
    name: 'users set-totp',
    usage: 'users set-totp <name> [--disable]',
    async run(args, { configPath, io }) {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { disable: { type: 'boolean' } },
      })
      const name = positionals[0]
      if (!name) throw new ConfigError(['users set-totp: missing user name'])
      return withStore(configPath, async (store, config) => {
        const secret = values.disable ? null : generateSecret()
        await store.setTotp(name, secret)
        if (secret) {
          io.out(`totp secret: ${secret}`)
          io.out(
            `totp uri: ${otpauthUri(secret, name, config.totp?.issuer ?? 'OpenVPN', config.totp ?? {})}`
          )
        } else io.out(`totp disabled for ${name}`)
        return 0
      })
    },
  },
  {
    name: 'users set-limits',
    usage:
      'users set-limits <name> [--max-sessions N|none] [--max-session-seconds N|none] [--daily-seconds N|none]',
    async run(args, { configPath, io }) {
      const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: limitOptions,
      })
      const name = positionals[0]
      if (!name) throw new ConfigError(['users set-limits: missing user name'])
      return withStore(configPath, async (store) => {
        const u = await store.getUser(name)
        if (!u) {
          io.err(`no user ${name}`)
          return 1
        }
        await store.setLimits(name, { ...u.limits, ...limitsFrom(values) })
        io.out(`limits set for ${name}`)
        return 0
      })
    },
  },
  {
    name: 'sessions list',
    usage: 'sessions list [--active] [--user U] [--limit N] [--json]',
    async run(args, { configPath, io }) {
      const { values } = parseArgs({
        args,
        options: {
          active: { type: 'boolean' },
          user: { type: 'string' },
          limit: { type: 'string' },
          json: { type: 'boolean' },
        },
      })
      return withStore(configPath, async (store) => {
        const list = await store.listSessions({
          activeOnly: values.active ?? false,
          ...(values.user !== undefined ? { username: values.user } : {}),
          limit: Number(values.limit ?? 100) || 100,
        })
        if (values.json) io.out(JSON.stringify(list))
        else {
          io.out(
            'ID\tSERVER\tUSER\tCN\tSOURCE\tVPN_IP\tSTATE\tSTARTED\tENDED\tDURATION_S\tBYTES_IN\tBYTES_OUT\tREASON'
          )
          list.forEach((s) => io.out(sessionLine(s)))
        }
        return 0
      })
    },
  },
  {
    name: 'sessions kill',
    usage: 'sessions kill <id>          ask the daemon serving the session to end it',
    async run(args, { configPath, io }) {
      const id = Number(args[0])
      if (!Number.isInteger(id))
        throw new ConfigError([`sessions kill: bad session id "${args[0] ?? ''}"`])
      return withStore(configPath, async (store) => {
        if (!(await store.requestKill(id))) {
          io.err(`no open session ${id}`)
          return 1
        }
        io.out(`kill requested for session ${id}`)
        return 0
      })
    },
  },
]

export function usage(): string {
  return [
    'usage: openvpn3-access [--config FILE] <command>',
    '',
    ...COMMANDS.map((c) => `  ${c.usage.startsWith(c.name) ? c.usage : `${c.name} ${c.usage}`}`),
  ].join('\n')
}

/** Dispatch argv (without node and script) to a command; returns the exit code. */
export async function runCli(argv: string[], io: CliIo, defaultConfig: string): Promise<number> {
  const args = [...argv]
  let configPath = defaultConfig
  const ci = args.indexOf('--config')
  if (ci >= 0) {
    configPath = args[ci + 1] ?? ''
    args.splice(ci, 2)
  }
  if (args.length === 0 || args[0] === '--help' || args[0] === 'help') {
    io.out(usage())
    return args.length === 0 ? 2 : 0
  }
  const two = `${args[0]} ${args[1] ?? ''}`
  const cmd = COMMANDS.find((c) => c.name === two) ?? COMMANDS.find((c) => c.name === args[0])
  if (!cmd) {
    io.err(`unknown command: ${args.join(' ')}`)
    io.err(usage())
    return 2
  }
  const rest = args.slice(cmd.name.split(' ').length)
  try {
    return await cmd.run(rest, { configPath, io })
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const i of e.issues) io.err(`error: ${i}`)
      return 1
    }
    io.err(`error: ${(e as Error).message}`)
    return 1
  }
}
