/**
 * The whole openvpn3-ts client stack in the namespace lab, for the end-to-end tests and the
 * demo (issue 6; spec dbus-api.md §10.1):
 *
 *   root ns:   private system-like dbus-daemon, openvpn3-service-log (openvpn user),
 *              openvpn3-service-configmgr, openvpn3-service-sessionmgr
 *   client ns: openvpn3-service-netcfg (resolv.conf of our own), openvpn3-service-backendstart
 *              → openvpn3-service-client per session (they inherit the namespace)
 *   server ns: stock OpenVPN 2.6 servers
 *
 * The bus is a filesystem socket, so the client-namespace processes reach it. `cli()` runs the
 * real `openvpn3` command (as root or another UID, with stdin text if given).
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BusName } from '@openvpn3-ts/dbus'
import {
  type Lab,
  type ServerSpec,
  type TestBus,
  type TestProcess,
  startBus,
  startLab,
  startProcess,
  testUsers,
} from '@openvpn3-ts/testkit'

export const OPENVPN3 = 'packages/cli/src/openvpn3.ts'

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

export interface Stack {
  lab: Lab
  bus: TestBus
  dir: string
  resolvConf: string
  sessionmgr: TestProcess
  /** run `openvpn3 <args>` to completion */
  cli(
    args: string[],
    opts?: { uid?: number; input?: string; timeoutMs?: number }
  ): Promise<CliResult>
  /** start `openvpn3 <args>` and return the process (stdin piped) */
  cliProcess(args: string[], opts?: { uid?: number }): Promise<TestProcess>
  restartSessionMgr(): Promise<void>
  /** PIDs of the service processes by name (log, configmgr, netcfg, backendstart, sessionmgr) */
  servicePids(): Record<string, number>
  /** TUN devices in the client namespace */
  tunDevices(): Promise<string[]>
  /** routes in the client namespace that use a TUN device */
  tunRoutes(): Promise<string[]>
  close(): Promise<void>
}

export async function startStack(opts: { servers: ServerSpec[]; echo?: boolean }): Promise<Stack> {
  const procs: TestProcess[] = []
  const dir = await mkdtemp(join(tmpdir(), 'ovpn3-e2e-'))
  await chmod(dir, 0o755)
  const logDir = join(dir, 'log')
  await mkdir(logDir, { mode: 0o777 })
  await chmod(logDir, 0o777)
  const resolvConf = join(dir, 'resolv.conf')
  await writeFile(resolvConf, '# e2e test resolv.conf\nnameserver 192.0.2.53\n')
  let lab: Lab | undefined
  let bus: TestBus | undefined
  let sessionmgr: TestProcess | undefined
  const echo = opts.echo ?? false
  const close = async () => {
    await sessionmgr?.stop().catch(() => undefined)
    for (const p of procs.reverse()) await p.stop().catch(() => undefined)
    await bus?.stop().catch(() => undefined)
    await lab?.close()
    await rm(dir, { recursive: true, force: true })
  }
  try {
    lab = await startLab({ servers: opts.servers })
    bus = await startBus()
    const theBus = bus
    const users = testUsers()
    const names = new Map<TestProcess, string>()
    const track = (name: string, p: TestProcess) => {
      names.set(p, name)
      return p
    }
    procs.push(
      track(
        'log',
        await startProcess({
          entry: 'packages/log/src/main.ts',
          args: ['--log-file', join(logDir, 'log'), '--log-level', '4', '--state-dir', logDir],
          bus,
          uid: users.openvpn.uid,
          waitForName: BusName.log,
          name: 'log',
          echo,
        })
      ),
      track(
        'configmgr',
        await startProcess({
          entry: 'packages/configmgr/src/main.ts',
          args: ['--idle-exit', '0', '--state-dir', join(dir, 'configs')],
          bus,
          waitForName: BusName.configuration,
          name: 'configmgr',
          echo,
        })
      ),
      track(
        'netcfg',
        await startProcess({
          entry: 'packages/netcfg/src/main.ts',
          args: ['--idle-exit', '0', '--resolv-conf', resolvConf],
          bus,
          netns: lab.clientNs,
          waitForName: BusName.netcfg,
          name: 'netcfg',
          echo,
        })
      ),
      track(
        'backendstart',
        await startProcess({
          entry: 'packages/backend/src/starter-main.ts',
          args: ['--idle-exit', '0', '--client-output', join(dir, 'clients.log')],
          bus,
          netns: lab.clientNs,
          waitForName: BusName.backends,
          name: 'backendstart',
          echo,
        })
      )
    )
    const startSessionMgr = () =>
      startProcess({
        entry: 'packages/sessionmgr/src/main.ts',
        args: ['--idle-exit', '0', '--state-dir', join(dir, 'sessions'), '--openvpn-user', 'root'],
        bus: theBus,
        waitForName: BusName.sessions,
        name: 'sessionmgr',
        echo,
      })
    sessionmgr = await startSessionMgr()
    const theLab = lab
    const stack: Stack = {
      lab,
      bus,
      dir,
      resolvConf,
      sessionmgr,
      async cli(args, o = {}) {
        const t0 = performance.now()
        const p = await startProcess({
          entry: OPENVPN3,
          args,
          bus: theBus,
          ...(o.uid !== undefined ? { uid: o.uid } : {}),
          stdin: 'pipe',
          name: `openvpn3 ${args[0] ?? ''}`,
        })
        p.child.stdin?.end(o.input ?? '')
        const exit = await p.waitForExit(o.timeoutMs ?? 60_000)
        return {
          code: exit.code,
          stdout: p.stdout(),
          stderr: p.stderr(),
          ms: performance.now() - t0,
        }
      },
      cliProcess(args, o = {}) {
        return startProcess({
          entry: OPENVPN3,
          args,
          bus: theBus,
          ...(o.uid !== undefined ? { uid: o.uid } : {}),
          stdin: 'pipe',
          name: `openvpn3 ${args[0] ?? ''}`,
        })
      },
      servicePids() {
        const out: Record<string, number> = {}
        for (const p of procs) out[names.get(p) ?? p.command.join(' ')] = p.pid
        out['sessionmgr'] = stack.sessionmgr.pid
        return out
      },
      async restartSessionMgr() {
        await stack.sessionmgr.stop()
        stack.sessionmgr = await startSessionMgr()
        sessionmgr = stack.sessionmgr
      },
      async tunDevices() {
        const r = await theLab.exec(theLab.clientNs, 'ip', ['-o', 'link', 'show', 'type', 'tun'])
        return r.stdout
          .split('\n')
          .map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1])
          .filter((x): x is string => x !== undefined)
      },
      async tunRoutes() {
        const r = await theLab.exec(theLab.clientNs, 'ip', ['route', 'show'])
        return r.stdout.split('\n').filter((l) => /dev tun/.test(l))
      },
      close,
    }
    return stack
  } catch (err) {
    await close()
    throw err
  }
}

/** Session path printed by `session-start`. */
export function sessionPathOf(output: string): string | undefined {
  return /Session path: (\S+)/.exec(output)?.[1]
}
