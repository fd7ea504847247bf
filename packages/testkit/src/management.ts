/**
 * @module management
 * A minimal client for the OpenVPN management interface (openvpn(8) "--management", protocol
 * as documented in doc/management-notes.txt of OpenVPN 2.6) over the unix socket each lab server
 * opens. Being a filesystem socket it is reachable from the root namespace, so tests can query
 * or steer a server that lives in the lab's server namespace.
 */
import { createConnection } from 'node:net'
import { TestkitTimeoutError } from './errors.js'

/**
 * Sends one command and resolves with its reply lines: a single `SUCCESS: …` / `ERROR: …` line,
 * or the lines of a multi-line reply up to (not including) `END`. Real-time notifications (lines
 * starting with `>`) are skipped.
 */
export function managementCommand(
  socketPath: string,
  command: string,
  timeoutMs = 5000
): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const sock = createConnection(socketPath)
    const lines: string[] = []
    let buf = ''
    let sent = false
    const finish = (err: Error | undefined, result?: string[]): void => {
      clearTimeout(timer)
      sock.destroy()
      if (err) reject(err)
      else resolve(result ?? lines)
    }
    const timer = setTimeout(
      () =>
        finish(
          new TestkitTimeoutError(`management reply to "${command}"`, timeoutMs, {
            detail: lines.join('\n'),
          })
        ),
      timeoutMs
    )
    sock.setEncoding('utf8')
    sock.on('error', (err) => finish(err))
    sock.on('data', (chunk: string) => {
      buf += chunk
      let nl: number
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).replace(/\r$/, '')
        buf = buf.slice(nl + 1)
        if (line.startsWith('>')) {
          // The greeting (>INFO:…) arrives first; only then is the command sent.
          if (!sent) {
            sent = true
            sock.write(`${command}\n`)
          }
          continue
        }
        if (!sent) continue
        if (lines.length === 0 && /^(SUCCESS|ERROR):/.test(line)) return finish(undefined, [line])
        if (line === 'END') return finish(undefined)
        lines.push(line)
      }
    })
  })
}

/** One row of the server's client list (`status 2` / status-version 2, CLIENT_LIST). */
export interface ServerClient {
  commonName: string
  realAddress: string
  virtualAddress: string
  username: string
  clientId: string
  cipher: string
  /** every column by its header name */
  raw: Record<string, string>
}

/** Parses the CLIENT_LIST rows of a status-version 2 report. */
export function parseClientList(statusLines: readonly string[]): ServerClient[] {
  const header = statusLines
    .find((l) => l.startsWith('HEADER,CLIENT_LIST,'))
    ?.split(',')
    .slice(2)
  if (!header) return []
  return statusLines
    .filter((l) => l.startsWith('CLIENT_LIST,'))
    .map((l) => {
      const cols = l.split(',').slice(1)
      const raw: Record<string, string> = {}
      header.forEach((h, i) => (raw[h] = cols[i] ?? ''))
      return {
        commonName: raw['Common Name'] ?? '',
        realAddress: raw['Real Address'] ?? '',
        virtualAddress: raw['Virtual Address'] ?? '',
        username: raw['Username'] ?? '',
        clientId: raw['Client ID'] ?? '',
        cipher: raw['Data Channel Cipher'] ?? '',
        raw,
      }
    })
}
