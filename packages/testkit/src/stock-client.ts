/**
 * @module stock-client
 * Runs the stock OpenVPN 2.6 client (openvpn(8)) in the lab's client namespace against a lab
 * server — the reference our own client is compared with, and the check that the lab works.
 * Static-challenge servers are not supported here (the stock client asks for the response on a
 * terminal or the management interface).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Lab } from './lab.js'
import type { LabServer } from './lab-server.js'
import { startProcess, type TestProcess } from './process.js'

export interface StockClientOptions {
  /** password to send instead of the server's test password (userpass) */
  password?: string
  /** line that ends the wait (default: "Initialization Sequence Completed") */
  waitFor?: RegExp
  /** profile text instead of `server.profile` */
  profile?: string
  /** more openvpn arguments */
  args?: string[]
  timeoutMs?: number
}

/** Starts `openvpn --config <profile>` in `lab.clientNs`; files go to `lab.dir`. */
export function startStockClient(
  lab: Pick<Lab, 'dir' | 'clientNs'>,
  server: LabServer,
  opts: StockClientOptions = {}
): Promise<TestProcess> {
  if (server.kind === 'static-challenge') {
    throw new TypeError('startStockClient: static-challenge servers need an interactive client')
  }
  const tag = `${server.index}-${Math.random().toString(16).slice(2, 8)}`
  const profilePath = join(lab.dir, `client-${tag}.ovpn`)
  writeFileSync(profilePath, opts.profile ?? server.profile)
  const args = ['--config', profilePath, '--disable-dco', '--verb', '3']
  if (server.username !== undefined) {
    const authPath = join(lab.dir, `client-${tag}.auth`)
    writeFileSync(authPath, `${server.username}\n${opts.password ?? server.password}\n`, {
      mode: 0o600,
    })
    args.push('--auth-user-pass', authPath, '--auth-retry', 'none')
  }
  args.push(...(opts.args ?? []))
  return startProcess({
    entry: 'openvpn',
    args,
    netns: lab.clientNs,
    cwd: lab.dir,
    name: `openvpn client for #${server.index} (${server.kind})`,
    waitForLine: opts.waitFor ?? /Initialization Sequence Completed/,
    timeoutMs: opts.timeoutMs ?? 20_000,
  })
}
