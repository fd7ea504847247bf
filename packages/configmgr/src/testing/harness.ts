/**
 * Test harness of the configuration manager: a private bus, the service as a real process
 * running as the openvpn user with a temporary state directory, and long-lived client
 * processes running as other UIDs (remote-client.ts) so every call really comes from that UID.
 */
import { mkdtempSync, rmSync, chownSync, chmodSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import {
  startBus,
  startProcess,
  testUsers,
  type TestBus,
  type TestProcess,
  type UnixUser,
} from '@openvpn3-ts/testkit'

export const ENTRY = 'packages/configmgr/src/main.ts'
export const CLIENT = 'packages/configmgr/src/testing/remote-client.ts'

export interface Reply {
  ok: boolean
  value?: unknown
  errorName?: string
  message?: string
}

/** A client process on the bus as one UID. */
export class RemoteClient {
  #next = 1
  readonly #waiting = new Map<number, (r: Reply) => void>()

  private constructor(
    readonly proc: TestProcess,
    readonly user: UnixUser
  ) {
    // answer everything still outstanding when the client process ends
    proc.child.once('exit', () => {
      for (const [id, w] of this.#waiting) {
        this.#waiting.delete(id)
        w({ ok: false, errorName: 'ClientExited', message: 'remote client exited' })
      }
    })
    const rl = createInterface({ input: proc.child.stdout! })
    rl.on('line', (line) => {
      if (!line.startsWith('{')) return
      const r = JSON.parse(line) as Reply & { id: number }
      this.#waiting.get(r.id)?.(r)
      this.#waiting.delete(r.id)
    })
  }

  /** Start a client as `user` (root: in the test's own identity). */
  static async start(bus: TestBus, user: UnixUser): Promise<RemoteClient> {
    const proc = await startProcess({
      entry: CLIENT,
      bus,
      ...(user.uid === 0 ? {} : { uid: user.uid, gid: user.gid }),
      stdin: 'pipe',
      waitForLine: /READY/,
      name: `client-${user.name}`,
      timeoutMs: 20_000,
    })
    return new RemoteClient(proc, user)
  }

  request(req: Record<string, unknown>, timeoutMs = 20_000): Promise<Reply> {
    const id = this.#next++
    return new Promise<Reply>((resolve, reject) => {
      const t = setTimeout(() => {
        this.#waiting.delete(id)
        reject(
          new Error(
            `remote client ${this.user.name}: no answer to ${JSON.stringify(req).slice(0, 200)}`
          )
        )
      }, timeoutMs)
      this.#waiting.set(id, (r) => {
        clearTimeout(t)
        resolve(r)
      })
      this.proc.child.stdin!.write(JSON.stringify({ ...req, id }) + '\n')
    })
  }

  call(path: string, member: string, signature = '', body: unknown[] = []): Promise<Reply> {
    return this.request({ op: 'call', path, member, signature, body })
  }
  get(path: string, property: string): Promise<Reply> {
    return this.request({ op: 'get', path, property })
  }
  set(path: string, property: string, type: string, value: unknown): Promise<Reply> {
    return this.request({ op: 'set', path, property, type, value })
  }
  /** Import and return the path (throws on failure). */
  async import(name: string, text: string, singleUse = false, persistent = false): Promise<string> {
    const r = await this.call(MANAGER, 'Import', 'ssbb', [name, text, singleUse, persistent])
    if (!r.ok) throw new Error(`Import failed: ${r.errorName}: ${r.message}`)
    return r.value as string
  }
  async stop(): Promise<void> {
    this.proc.child.stdin?.end()
    await this.proc.stop()
  }
}

export const MANAGER = '/net/openvpn/v3/configuration'
export const ROOT: UnixUser = { name: 'root', uid: 0, gid: 0 }

/** Error name of a GDBus++ domain (spec §1.4). */
export const quark = (domain: string) =>
  `org.gtk.GDBus.UnmappedGError.Quark._${domain.replace(/[^A-Za-z0-9]/g, (c) => '_' + c.charCodeAt(0).toString(16).padStart(2, '0'))}.Code36`
export const GDBUSPP = quark('net.openvpn.gdbuspp')
export const REQUEST = quark('net.openvpn.gdbuspp.request')

export interface ServiceEnv {
  bus: TestBus
  stateDir: string
  users: ReturnType<typeof testUsers>
  service: TestProcess | undefined
  startService(extraArgs?: string[]): Promise<TestProcess>
  stopService(signal?: NodeJS.Signals): Promise<void>
  close(): Promise<void>
}

/** A state directory owned by the openvpn user, mode 0700. */
export function makeStateDir(owner: UnixUser): { root: string; dir: string } {
  const root = mkdtempSync(join(tmpdir(), 'cfgmgr-test-'))
  chmodSync(root, 0o755)
  chownSync(root, owner.uid, owner.gid)
  return { root, dir: join(root, 'configs') }
}

export async function startServiceEnv(): Promise<ServiceEnv> {
  const users = testUsers()
  const bus = await startBus()
  const { root, dir } = makeStateDir(users.openvpn)
  const env: ServiceEnv = {
    bus,
    stateDir: dir,
    users,
    service: undefined,
    async startService(extraArgs: string[] = []) {
      env.service = await startProcess({
        entry: ENTRY,
        args: ['--state-dir', dir, '--idle-exit', '0', ...extraArgs],
        bus,
        uid: users.openvpn.uid,
        gid: users.openvpn.gid,
        waitForName: 'net.openvpn.v3.configuration',
        name: 'configmgr',
        timeoutMs: 20_000,
      })
      return env.service
    },
    async stopService(signal: NodeJS.Signals = 'SIGTERM') {
      await env.service?.stop(signal)
      env.service = undefined
      await bus.waitForName('net.openvpn.v3.configuration', { owned: false, timeoutMs: 10_000 })
    },
    async close() {
      try {
        await env.service?.stop()
      } finally {
        await bus.stop()
        rmSync(root, { recursive: true, force: true })
      }
    },
  }
  return env
}
