/**
 * @module exec
 * Runs a short helper command (ip, openssl, openvpn --genkey, busctl, …) to completion with a
 * timeout and captured output. Long-lived programs go through `startProcess` instead.
 */
import { spawn } from 'node:child_process'
import { CommandFailedError, TestkitTimeoutError } from './errors.js'

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

export interface RunCommandOptions {
  timeoutMs?: number
  env?: NodeJS.ProcessEnv
  cwd?: string
  input?: string
  /** Throw `CommandFailedError` on a non-zero exit (default true). */
  check?: boolean
}

/** Runs `cmd args…`, resolves with its exit code and output; kills it (by PID) on timeout. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: RunCommandOptions = {}
): Promise<CommandResult> {
  const timeoutMs = opts.timeoutMs ?? 20_000
  const check = opts.check ?? true
  const shown = [cmd, ...args].join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      if (child.pid !== undefined) child.kill('SIGKILL')
      reject(new TestkitTimeoutError(`command "${shown}"`, timeoutMs, { detail: stdout + stderr }))
    }, timeoutMs)
    child.on('error', (err) => {
      clearTimeout(timer)
      reject(new CommandFailedError(shown, null, String(err), { cause: err }))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const c = code ?? (signal ? 128 : 1)
      if (check && c !== 0) reject(new CommandFailedError(shown, c, stderr || stdout))
      else resolve({ code: c, stdout, stderr })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(opts.input ?? '')
  })
}
