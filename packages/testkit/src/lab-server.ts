/**
 * @module lab-server
 * One stock OpenVPN 2.6 server of the lab: writes its config (lab-server-config.ts), runs it in
 * the server namespace as a tracked process, waits for "Initialization Sequence Completed" in its
 * log, and offers the log, the management interface, the client list, stop and restart.
 */
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ProcessExitedError, tail } from './errors.js'
import {
  LAB_CHALLENGE_RESPONSE,
  LAB_PASSWORD,
  LAB_USERNAME,
  renderAuthScript,
  renderClientProfile,
  renderServerConfig,
  tunnelNetwork,
  tunnelServerIp,
  type ServerKind,
  type ServerLayout,
  type ServerSpec,
} from './lab-server-config.js'
import { managementCommand, parseClientList, type ServerClient } from './management.js'
import { SERVER_ADDR } from './netns.js'
import type { LabPki } from './pki.js'
import { startProcess, type TestProcess } from './process.js'
import { pollUntil } from './wait.js'

export const LAB_BASE_PORT = 1194
const READY_LINE = /Initialization Sequence Completed/

export interface LabServer {
  index: number
  kind: ServerKind
  proto: 'udp' | 'tcp'
  port: number
  /** e.g. '198.18.1.0/24' */
  tunnelNetwork: string
  /** the server's own tunnel address, e.g. '198.18.1.1' */
  tunnelServerIp: string
  /** inline client .ovpn for this server */
  profile: string
  /** userpass / static-challenge test user */
  username?: string
  password?: string
  /** static-challenge: the response ("PIN") the server accepts */
  challengeResponse?: string
  configPath: string
  logPath: string
  /** openvpn `status` file (status-version 2, rewritten every second) */
  statusPath: string
  /** unix socket of the management interface (reachable from any namespace) */
  managementPath: string
  /** PID of the current openvpn process (changes on restart) */
  readonly pid: number
  /** server log so far (verb 4; restart() starts a new one) */
  log(): string
  /** waits until the server log matches `re` */
  waitForLog(re: RegExp, timeoutMs?: number): Promise<void>
  /** sends one management command, e.g. 'kill client.lab', 'signal SIGUSR1', 'status 2' */
  management(command: string, timeoutMs?: number): Promise<string[]>
  /** the clients connected right now (management `status 2`) */
  clients(): Promise<ServerClient[]>
  /** SIGTERM (about 2 s for UDP servers: explicit-exit-notify), SIGKILL after 3 s */
  stop(): Promise<void>
  /** stops the server if running, starts it again with the same config, waits until ready */
  restart(): Promise<void>
}

export interface StartServerInput {
  spec: ServerSpec
  index: number
  dir: string
  pki: LabPki
  serverNs: string
  timeoutMs: number
  /** every process of the lab; the server's processes are added here */
  procs: Set<TestProcess>
}

/** Starts one lab server and waits until it is ready. */
export async function startServer(i: StartServerInput): Promise<LabServer> {
  const { spec, index, dir, pki } = i
  const proto = spec.proto ?? (spec.kind === 'tcp' ? 'tcp' : 'udp')
  const layout: ServerLayout = {
    index,
    port: LAB_BASE_PORT + index,
    proto,
    serverAddr: SERVER_ADDR,
    subnetOctet: index + 1,
    logPath: join(dir, `server-${index}.log`),
    statusPath: join(dir, `server-${index}.status`),
    authScriptPath: join(dir, `server-${index}-auth.sh`),
    managementPath: join(dir, `server-${index}.mgmt`),
  }
  const configPath = join(dir, `server-${index}.conf`)
  writeFileSync(configPath, renderServerConfig(spec, layout, pki))
  const userPass = spec.kind === 'userpass' || spec.kind === 'static-challenge'
  if (userPass) {
    writeFileSync(layout.authScriptPath, renderAuthScript(spec.kind))
    chmodSync(layout.authScriptPath, 0o755)
  }
  const name = `openvpn server #${index} (${spec.kind})`
  const log = (): string => (existsSync(layout.logPath) ? readFileSync(layout.logPath, 'utf8') : '')

  let proc: TestProcess | undefined
  const exitedError = (): Error | undefined =>
    proc?.exited ? new ProcessExitedError(name, proc.child.exitCode, null, log()) : undefined
  const waitForLog = async (re: RegExp, ms = i.timeoutMs): Promise<void> => {
    await pollUntil(`${re} in the log of ${name}`, () => (re.test(log()) ? true : undefined), {
      timeoutMs: ms,
      intervalMs: 50,
      abort: exitedError,
      describe: () => tail(log()) + (proc?.output() ?? ''),
    })
  }
  const stop = async (): Promise<void> => {
    if (proc) await proc.stop('SIGTERM', 3000)
  }
  const start = async (): Promise<void> => {
    // A fresh log, so readiness is judged on this run only.
    rmSync(layout.logPath, { force: true })
    proc = await startProcess({
      entry: 'openvpn',
      args: ['--config', configPath],
      netns: i.serverNs,
      cwd: dir,
      name,
    })
    i.procs.add(proc)
    await waitForLog(READY_LINE)
  }
  await start()

  const management = (command: string, timeoutMs?: number): Promise<string[]> =>
    managementCommand(layout.managementPath, command, timeoutMs)
  return {
    index,
    kind: spec.kind,
    proto,
    port: layout.port,
    tunnelNetwork: tunnelNetwork(layout),
    tunnelServerIp: tunnelServerIp(layout),
    profile: renderClientProfile(spec, layout, pki),
    ...(userPass ? { username: LAB_USERNAME, password: LAB_PASSWORD } : {}),
    ...(spec.kind === 'static-challenge' ? { challengeResponse: LAB_CHALLENGE_RESPONSE } : {}),
    configPath,
    logPath: layout.logPath,
    statusPath: layout.statusPath,
    managementPath: layout.managementPath,
    get pid() {
      return proc?.pid ?? -1
    },
    log,
    waitForLog,
    management,
    clients: async () => parseClientList(await management('status 2')),
    stop,
    restart: async () => {
      await stop()
      await start()
    },
  }
}
