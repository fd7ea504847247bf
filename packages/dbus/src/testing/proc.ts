/**
 * Test helper: run a TypeScript entry as a separate process (optionally as another UID via
 * setpriv), wait for a line on stdout, stop it by PID.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

export interface Proc {
  pid: number
  child: ChildProcess
  output(): string
  exited: Promise<number | null>
  stop(): Promise<void>
}

export function runTs(
  entry: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; uid?: number; waitFor?: RegExp; timeoutMs?: number } = {}
): Promise<Proc> {
  const nodeArgs = ['--conditions=source', '--import', 'tsx', entry, ...args]
  const [cmd, argv] =
    opts.uid !== undefined
      ? [
          'setpriv',
          [
            `--reuid=${opts.uid}`,
            `--regid=${opts.uid}`,
            '--clear-groups',
            process.execPath,
            ...nodeArgs,
          ],
        ]
      : [process.execPath, nodeArgs]
  const child = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    env: opts.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  const proc: Proc = {
    pid: child.pid ?? 0,
    child,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const t = setTimeout(() => child.kill('SIGKILL'), 3000)
      await exited
      clearTimeout(t)
    },
  }
  const waitFor = opts.waitFor
  if (!waitFor) return Promise.resolve(proc)
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void proc.stop()
      reject(
        new Error(`process did not print ${waitFor} within ${opts.timeoutMs ?? 15000} ms:\n${out}`)
      )
    }, opts.timeoutMs ?? 15000)
    const check = () => {
      if (waitFor.test(out)) {
        clearTimeout(timer)
        resolve(proc)
      }
    }
    child.stdout?.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      if (!waitFor.test(out)) reject(new Error(`process exited (${code}) early:\n${out}`))
    })
  })
}
