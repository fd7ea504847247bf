#!/usr/bin/env node
/**
 * Entry point of `openvpn3-access-hook`, the classic script-mode executable. The script type
 * comes from OpenVPN's `script_type` (spec 3.1: `user-pass-verify`, `client-connect`,
 * `client-disconnect`). Options: `--config <file>`, `--sync` (user-pass-verify answers by exit
 * code instead of deferring). Internal: `--deferred-worker` (reads the password on stdin).
 * The only file of script mode that touches argv, stdin and exit codes.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { HookDeps } from './hook.js'

// Exit codes of spec 3.2, repeated here so the deferring front end loads nothing else: while
// this process runs, the OpenVPN server is blocked (spec 3.1).
const EXIT_OK = 0
const EXIT_FAIL = 1
const EXIT_DEFERRED = 2

const DEFAULT_CONFIG = process.env.OPENVPN3_ACCESS_CONFIG ?? '/etc/openvpn3-access/config.json'

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : undefined
}

/** Arguments that are not our options: OpenVPN appends its file paths there. */
function positional(args: string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? ''
    if (a === '--config') i++
    else if (!a.startsWith('--')) out.push(a)
  }
  return out
}

async function deps(configPath: string): Promise<HookDeps> {
  const { loadConfig } = await import('./config.js')
  const { createLogger } = await import('./logger.js')
  const { openStore } = await import('./store/open.js')
  const config = loadConfig(configPath, 'hook')
  const logger = createLogger(config.logLevel)
  return { config, logger, store: await openStore(config.store) }
}

async function main(argv: string[]): Promise<number> {
  const configPath = option(argv, '--config') ?? DEFAULT_CONFIG
  const env = process.env
  const type = env.script_type
  if (argv.includes('--deferred-worker')) {
    const { decideAuth, writeAuthResult } = await import('./hook.js')
    const password = readFileSync(0, 'utf8')
    const d = await deps(configPath)
    try {
      const r = await decideAuth(d, env, env.username ?? '', password)
      d.logger.info(`user-pass-verify "${env.username ?? ''}": ${r.log}`)
      writeAuthResult(env, r)
    } catch (e) {
      writeAuthResult(env, {
        ok: false,
        reason: 'authentication failed',
        log: (e as Error).message,
      })
      throw e
    } finally {
      await d.store.close()
    }
    return EXIT_OK
  }
  switch (type) {
    case 'user-pass-verify': {
      const file = positional(argv).at(-1)
      if (!file) {
        process.stderr.write('openvpn3-access-hook: use auth-user-pass-verify … via-file\n')
        return EXIT_FAIL
      }
      const [username = '', password = ''] = readFileSync(file, 'utf8').split('\n')
      if (argv.includes('--sync') || !env.auth_control_file) {
        const { decideAuth, writeAuthResult } = await import('./hook.js')
        const d = await deps(configPath)
        try {
          const r = await decideAuth(d, env, username, password)
          d.logger.info(`user-pass-verify "${username}": ${r.log}`)
          if (!r.ok && r.reason && env.auth_failed_reason_file)
            writeAuthResult({ auth_failed_reason_file: env.auth_failed_reason_file }, r)
          return r.ok ? EXIT_OK : EXIT_FAIL
        } finally {
          await d.store.close()
        }
      }
      // Deferred: hand the password to a detached worker through a pipe and return at once.
      const self = fileURLToPath(import.meta.url)
      const child = spawn(
        process.execPath,
        [...process.execArgv, self, '--config', configPath, '--deferred-worker'],
        {
          detached: true,
          stdio: ['pipe', 'ignore', 'inherit'],
          env: { ...env, username },
        }
      )
      child.stdin.end(password)
      child.unref()
      return EXIT_DEFERRED
    }
    case 'client-connect': {
      const { clientConnect } = await import('./hook.js')
      const d = await deps(configPath)
      try {
        return await clientConnect(d, env, positional(argv).at(-1))
      } finally {
        await d.store.close()
      }
    }
    case 'client-disconnect': {
      const { clientDisconnect } = await import('./hook.js')
      const d = await deps(configPath)
      try {
        return await clientDisconnect(d, env)
      } finally {
        await d.store.close()
      }
    }
    default:
      process.stderr.write(`openvpn3-access-hook: unsupported script_type "${type ?? ''}"\n`)
      return EXIT_FAIL
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`openvpn3-access-hook: ${e.message}\n`)
    process.exit(EXIT_FAIL)
  }
)
