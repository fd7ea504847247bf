/**
 * A scripted stand-in for an OpenVPN 2.6 management interface (server side) for tests and the
 * benchmark: password prompt, welcome line, canned answers to the commands a daemon sends, and
 * a hook to push arbitrary (also hostile) lines. Framing follows spec 2.2 (CRLF output).
 */
import { EventEmitter } from 'node:events'
import * as net from 'node:net'

export interface FakeServerInit {
  /** unix socket path, or a TCP port on 127.0.0.1 (0 = any free port) */
  path: string | { port: number }
  password?: string
  pid?: number | (() => number)
  held?: boolean
  /** Rows for `status 3` CLIENT_LIST: [cn, real, vaddr, username, cid]. */
  clients?: () => { cn: string; real: string; vaddr: string; username: string; cid: number }[]
  /** Answer for a decision command; default SUCCESS; '' sends no answer at all. */
  decide?: (cmd: string) => string | undefined
}

export class FakeManagementServer extends EventEmitter<{ command: [string]; connection: [] }> {
  readonly commands: string[] = []
  #server: net.Server
  #socket: net.Socket | undefined
  #block: string[] | undefined

  constructor(private readonly init: FakeServerInit) {
    super()
    this.#server = net.createServer((s) => this.#onConnection(s))
  }

  listen(): Promise<void> {
    const where = this.init.path
    return new Promise((resolve) => {
      if (typeof where === 'string') this.#server.listen(where, resolve)
      else this.#server.listen(where.port, '127.0.0.1', resolve)
    })
  }

  /** The TCP port when listening on TCP. */
  get port(): number {
    const a = this.#server.address()
    return typeof a === 'object' && a ? a.port : 0
  }

  get connected(): boolean {
    return this.#socket !== undefined
  }

  send(text: string): void {
    this.#socket?.write(text)
  }

  line(l: string): void {
    this.send(`${l}\r\n`)
  }

  /** Drop the current management connection (server restart / network blip). */
  dropClient(): void {
    this.#socket?.destroy()
    this.#socket = undefined
  }

  waitCommand(re: RegExp, timeoutMs = 5000): Promise<string> {
    const found = this.commands.find((c) => re.test(c))
    if (found) return Promise.resolve(found)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('command', on)
        reject(
          new Error(
            `no command matching ${re} within ${timeoutMs} ms; got: ${this.commands.join(' | ')}`
          )
        )
      }, timeoutMs)
      const on = (c: string) => {
        if (!re.test(c)) return
        clearTimeout(t)
        this.off('command', on)
        resolve(c)
      }
      this.on('command', on)
    })
  }

  close(): Promise<void> {
    this.dropClient()
    return new Promise((resolve) => this.#server.close(() => resolve()))
  }

  #onConnection(s: net.Socket): void {
    if (this.#socket) {
      s.destroy()
      return
    }
    this.#socket = s
    s.setEncoding('utf8')
    let authed = this.init.password === undefined
    let buf = ''
    const welcome = () => {
      s.write(">INFO:OpenVPN Management Interface Version 5 -- type 'help' for more info\r\n")
      if (this.init.held) s.write('>HOLD:Waiting for hold release:0\r\n')
      this.emit('connection')
    }
    if (authed) welcome()
    else s.write('ENTER PASSWORD:')
    s.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const l = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        if (!authed) {
          if (l === this.init.password) {
            authed = true
            s.write('SUCCESS: password is correct\r\n')
            welcome()
          } else s.write('ERROR: bad password\r\n')
          continue
        }
        this.#onLine(s, l)
      }
    })
    s.on('close', () => {
      if (this.#socket === s) this.#socket = undefined
    })
    s.on('error', () => undefined)
  }

  #onLine(s: net.Socket, l: string): void {
    if (this.#block) {
      this.#block.push(l)
      if (l === 'END') {
        const cmd = this.#block.join('\n')
        this.#block = undefined
        this.#record(cmd)
        const a = this.init.decide?.(cmd) ?? 'SUCCESS: client-auth command succeeded'
        if (a !== '') s.write(`${a}\r\n`)
      }
      return
    }
    if (l.startsWith('client-auth ')) {
      this.#block = [l]
      return
    }
    this.#record(l)
    const word = l.split(' ')[0]
    switch (word) {
      case 'pid':
        s.write(
          `SUCCESS: pid=${typeof this.init.pid === 'function' ? this.init.pid() : (this.init.pid ?? 4242)}\r\n`
        )
        break
      case 'status': {
        const rows = (this.init.clients?.() ?? []).map(
          (c) =>
            `CLIENT_LIST\t${c.cn}\t${c.real}\t${c.vaddr}\t\t100\t200\tx\t1795393454\t${c.username}\t${c.cid}\t0\tAES-256-GCM`
        )
        s.write(
          ['TITLE\tOpenVPN 2.6.14 fake', ...rows, 'GLOBAL_STATS\tdco_enabled\t0', 'END', ''].join(
            '\r\n'
          )
        )
        break
      }
      case 'bytecount':
        s.write('SUCCESS: bytecount interval changed\r\n')
        break
      case 'hold':
        s.write('SUCCESS: hold release succeeded\r\n')
        break
      case 'client-auth-nt':
      case 'client-deny':
      case 'client-pending-auth':
      case 'client-kill':
        {
          const a = this.init.decide?.(l) ?? `SUCCESS: ${word} command succeeded`
          if (a !== '') s.write(`${a}\r\n`)
        }
        break
      default:
        s.write("ERROR: unknown command, enter 'help' for more options\r\n")
    }
  }

  #record(cmd: string): void {
    this.commands.push(cmd)
    this.emit('command', cmd)
  }
}

/** A CONNECT block as OpenVPN 2.6 prints it. */
export function connectBlock(
  cid: number,
  kid: number,
  env: Record<string, string>,
  event = 'CONNECT'
): string {
  const lines = [
    `>CLIENT:${event},${cid},${kid}`,
    ...Object.entries(env).map(([k, v]) => `>CLIENT:ENV,${k}=${v}`),
  ]
  lines.push('>CLIENT:ENV,END', '')
  return lines.join('\r\n')
}

export function cidBlock(
  event: 'ESTABLISHED' | 'DISCONNECT',
  cid: number,
  env: Record<string, string>
): string {
  const lines = [
    `>CLIENT:${event},${cid}`,
    ...Object.entries(env).map(([k, v]) => `>CLIENT:ENV,${k}=${v}`),
  ]
  lines.push('>CLIENT:ENV,END', '')
  return lines.join('\r\n')
}
