/**
 * Test helpers: a throw-away network namespace with a unique name, commands run in it, and
 * small node programs run in it with `ip netns exec`. Nothing here touches the root namespace's
 * addresses or routes.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const execFileP = promisify(execFile)

export function canUseNetns(): boolean {
  return process.getuid?.() === 0
}

export function uniqueSuffix(): string {
  return randomBytes(2).toString('hex')
}

export async function ip(args: string[]): Promise<string> {
  const r = await execFileP('ip', args, { timeout: 10_000 })
  return r.stdout
}

export class TestNetns {
  readonly #children = new Set<ChildProcess>()
  private constructor(readonly name: string) {}

  static async create(prefix: string): Promise<TestNetns> {
    const name = `${prefix}${uniqueSuffix()}`
    await ip(['netns', 'add', name])
    const ns = new TestNetns(name)
    await ns.ip(['link', 'set', 'lo', 'up'])
    return ns
  }

  ip(args: string[]): Promise<string> {
    return ip(['-n', this.name, ...args])
  }

  async exec(cmd: string, args: string[]): Promise<string> {
    const r = await execFileP('ip', ['netns', 'exec', this.name, cmd, ...args], {
      timeout: 10_000,
    })
    return r.stdout
  }

  /** Runs `node -e script` inside the namespace; killed (by PID) at `close()`. */
  spawnNode(script: string, args: string[] = []): ChildProcess {
    const child = spawn(
      'ip',
      ['netns', 'exec', this.name, process.execPath, '-e', script, '--', ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] }
    )
    this.#children.add(child)
    child.on('exit', () => this.#children.delete(child))
    return child
  }

  async close(): Promise<void> {
    for (const c of this.#children) c.kill('SIGKILL')
    this.#children.clear()
    await ip(['netns', 'del', this.name]).catch(() => undefined)
  }
}

/** Resolves with the first stdout line matching `re`, or rejects after `timeoutMs`. */
export function waitForLine(child: ChildProcess, re: RegExp, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = ''
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`timed out waiting for ${re} (output: ${buf})`))
    }, timeoutMs)
    const onData = (d: Buffer): void => {
      buf += d.toString()
      for (const line of buf.split('\n')) {
        if (re.test(line)) {
          cleanup()
          resolve(line)
          return
        }
      }
    }
    const onExit = (): void => {
      cleanup()
      reject(new Error(`process exited before ${re} (output: ${buf})`))
    }
    const cleanup = (): void => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
    }
    child.stdout?.on('data', onData)
    child.on('exit', onExit)
  })
}
