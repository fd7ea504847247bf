/**
 * Spawning backend client processes (spec §5 `StartClient`): one detached process per tunnel
 * in its own session (setsid), with a minimal environment plus `DBUS_SYSTEM_BUS_ADDRESS`.
 * Unlike upstream (fork, wait for the intermediate child) the child is spawned directly, so the
 * PID returned is the backend's real PID and the call returns as soon as exec succeeded.
 *
 * How the client runs: compiled JS (`dist/client-main.js`, fastest start) when the starter
 * itself runs compiled, else the TypeScript source through tsx with the `source` condition
 * (`--client-runner` forces either; `--client-binary` names another program).
 */
import { spawn } from 'node:child_process'
import { existsSync, openSync, closeSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ClientRunner } from './starter-options.js'

export interface ClientCommand {
  command: string
  args: string[]
}

const here = dirname(fileURLToPath(import.meta.url))
const pkgRoot = resolve(here, '..')

/** The command that starts a backend client with `token`. */
export function clientCommand(
  token: string,
  clientArgs: readonly string[],
  runner: ClientRunner,
  clientBinary?: string
): ClientCommand {
  if (clientBinary !== undefined) return { command: clientBinary, args: [...clientArgs, token] }
  const runningFromSource = import.meta.url.endsWith('.ts')
  const distMain = join(pkgRoot, 'dist', 'client-main.js')
  const useDist =
    runner === 'dist' || (runner === 'auto' && !runningFromSource && existsSync(distMain))
  if (useDist) {
    return { command: process.execPath, args: [distMain, ...clientArgs, token] }
  }
  const tsx = import.meta.resolve('tsx')
  return {
    command: process.execPath,
    args: [
      '--conditions=source',
      '--import',
      tsx,
      join(pkgRoot, 'src', 'client-main.ts'),
      ...clientArgs,
      token,
    ],
  }
}

/** Minimal environment of a client: PATH, the bus address, and any `--client-setenv`. */
export function clientEnvironment(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' }
  const bus = process.env['DBUS_SYSTEM_BUS_ADDRESS']
  if (bus !== undefined) env['DBUS_SYSTEM_BUS_ADDRESS'] = bus
  return { ...env, ...extra }
}

export class ClientSpawnError extends Error {
  override readonly name = 'ClientSpawnError'
}

/** Spawns a detached backend client; resolves with its PID once exec succeeded. */
export function spawnClient(
  cmd: ClientCommand,
  env: Record<string, string>,
  output?: string
): Promise<number> {
  return new Promise((resolvePid, reject) => {
    const out = output !== undefined ? openSync(output, 'a') : 'ignore'
    const child = spawn(cmd.command, cmd.args, {
      detached: true,
      env,
      cwd: '/',
      stdio: ['ignore', out, out],
    })
    if (typeof out === 'number') closeSync(out)
    child.once('error', (err) =>
      reject(new ClientSpawnError(`cannot start ${cmd.command}: ${err.message}`, { cause: err }))
    )
    child.once('spawn', () => {
      child.unref()
      if (child.pid === undefined) reject(new ClientSpawnError(`no PID for ${cmd.command}`))
      else resolvePid(child.pid)
    })
  })
}
