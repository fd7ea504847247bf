/**
 * Test harness around the testkit namespace lab for access-hooks: a stock OpenVPN 2.6 server
 * with `management <unix socket> unix` + `management-client-auth` (and optionally a second one
 * using the classic script hooks), real `openvpn` clients in the client namespace, and a tiny
 * management client to drive a client's password/challenge prompts (as a GUI does).
 */
import { type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import * as net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pollUntil, startLab, type Lab, type LabServer } from '@openvpn3-ts/testkit'

export interface AccessLab {
  lab: Lab
  dir: string
  /** management socket of the management-mode server */
  sock: string
  mgmtServer: LabServer
  scriptServer: LabServer | undefined
  close(): Promise<void>
}

export const REPO = new URL('../../../../', import.meta.url).pathname

export interface AccessLabOptions {
  /** adds a second server using the classic script hooks, with these config lines */
  scriptServerLines?: (dir: string) => string[]
  /** extra config lines of the management-mode server */
  mgmtServerExtra?: string[]
}

/** Starts the lab; `scriptServerLines` adds a second server using the classic script hooks. */
export async function startAccessLab(opts: AccessLabOptions = {}): Promise<AccessLab> {
  const dir = mkdtempSync(join(tmpdir(), 'access-lab-'))
  const sock = join(dir, 'mgmt.sock')
  const servers = [
    {
      kind: 'cert' as const,
      extra: [
        `management ${sock} unix`,
        'management-client-auth',
        'duplicate-cn',
        ...(opts.mgmtServerExtra ?? []),
      ],
    },
  ]
  if (opts.scriptServerLines) {
    servers.push({ kind: 'cert' as const, extra: ['duplicate-cn', ...opts.scriptServerLines(dir)] })
  }
  let lab: Lab
  try {
    lab = await startLab({ servers, timeoutMs: 30_000 })
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  const [mgmtServer, scriptServer] = lab.servers
  if (!mgmtServer) throw new Error('lab has no server')
  return {
    lab,
    dir,
    sock,
    mgmtServer,
    scriptServer,
    async close() {
      await lab.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface ClientOptions {
  server: LabServer
  username: string
  password?: string
  /** extra client config lines (push-peer-info, setenv UV_…) */
  extra?: string[]
  /** drive prompts through the client's own management interface */
  management?: boolean
}

export interface ClientRun {
  child: ChildProcess
  output(): string
  /** resolves 'connected', or 'failed:<AUTH_FAILED reason>', or 'exited' */
  outcome(timeoutMs?: number): Promise<string>
  /** management socket of this client (when `management` was set) */
  mgmtSock: string | undefined
  stop(): Promise<void>
}

let seq = 0

export function startClient(al: AccessLab, o: ClientOptions): ClientRun {
  const id = ++seq
  const upFile = join(al.dir, `up-${id}`)
  const lines = [
    o.server.profile,
    'verb 3',
    'connect-retry 1',
    'connect-retry-max 3',
    'explicit-exit-notify 1',
    ...(o.extra ?? []),
  ]
  let mgmtSock: string | undefined
  if (o.management) {
    mgmtSock = join(al.dir, `client-${id}.sock`)
    lines.push(
      `management ${mgmtSock} unix`,
      'management-hold',
      'management-query-passwords',
      'auth-retry interact',
      'auth-user-pass'
    )
  } else {
    writeFileSync(upFile, `${o.username}\n${o.password ?? ''}\n`, { mode: 0o600 })
    lines.push(`auth-user-pass ${upFile}`)
  }
  const cfg = join(al.dir, `client-${id}.ovpn`)
  writeFileSync(cfg, lines.join('\n') + '\n')
  const child = al.lab.spawn(al.lab.clientNs, 'openvpn', ['--config', cfg])
  let out = ''
  let exited = false
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()))
  child.on('exit', () => (exited = true))
  return {
    child,
    mgmtSock,
    output: () => out,
    outcome: (timeoutMs = 30_000) =>
      pollUntil(
        `client ${id} outcome`,
        () => {
          if (out.includes('Initialization Sequence Completed')) return 'connected'
          const m = /AUTH_FAILED,?([^\r\n']*)/.exec(out)
          if (m && !m[1]?.startsWith('CRV1')) return `failed:${m[1] ?? ''}`
          if (exited) return 'exited'
          return undefined
        },
        { timeoutMs, intervalMs: 50, describe: () => out.slice(-3000) }
      ),
    async stop() {
      if (exited || child.exitCode !== null) return
      const done = new Promise<void>((r) => child.once('exit', () => r()))
      child.kill('SIGTERM')
      await Promise.race([done, new Promise((r) => setTimeout(r, 5000))])
      if (!exited) child.kill('SIGKILL')
    },
  }
}

/** Minimal line client for an openvpn *client's* management socket. */
export class ClientManagement {
  lines: string[] = []
  #s: net.Socket | undefined
  #buf = ''

  static async connect(path: string, timeoutMs = 10_000): Promise<ClientManagement> {
    await pollUntil(`management socket ${path}`, () => (existsSync(path) ? true : undefined), {
      timeoutMs,
    })
    const c = new ClientManagement()
    // The client waits in management-hold until we are attached, so no prompt is missed.
    await new Promise<void>((resolve, reject) => {
      const s = net.createConnection(path, resolve)
      s.once('error', reject)
      s.setEncoding('utf8')
      s.on('data', (d: string) => {
        c.#buf += d
        let nl: number
        while ((nl = c.#buf.indexOf('\n')) >= 0) {
          c.lines.push(c.#buf.slice(0, nl).replace(/\r$/, ''))
          c.#buf = c.#buf.slice(nl + 1)
        }
      })
      c.#s = s
    })
    c.send('hold release')
    return c
  }

  send(line: string): void {
    this.#s?.write(`${line}\n`)
  }

  /** Wait for a line matching `re` at index >= `from`; returns [line, index]. */
  waitLine(re: RegExp, from = 0, timeoutMs = 20_000): Promise<[string, number]> {
    return pollUntil(
      `client management line ${re}`,
      () => {
        for (let i = from; i < this.lines.length; i++) {
          const l = this.lines[i] ?? ''
          if (re.test(l)) return [l, i] as [string, number]
        }
        return undefined
      },
      { timeoutMs, describe: () => this.lines.join('\n').slice(-2000) }
    )
  }

  close(): void {
    this.#s?.destroy()
  }
}

/** Parse the lab server's status file (status-version 2, CSV). */
export function statusClients(
  text: string
): { cn: string; real: string; vaddr: string; username: string; cid: number }[] {
  return text
    .split('\n')
    .filter((l) => l.startsWith('CLIENT_LIST,'))
    .map((l) => {
      const c = l.split(',')
      return {
        cn: c[1] ?? '',
        real: c[2] ?? '',
        vaddr: c[3] ?? '',
        username: c[9] ?? '',
        cid: Number(c[10]),
      }
    })
}
