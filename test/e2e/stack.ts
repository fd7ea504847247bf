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
import {
  type Lab,
  type ServerSpec,
  type ServiceStack,
  type TestBus,
  type TestProcess,
  startLab,
  startProcess,
  startServiceStack,
} from '@openvpn3-ts/testkit'

export const OPENVPN3 = 'packages/cli/src/openvpn3.ts'
/** the installed command (shell launcher → compiled bundle; needs `npm run build`) */
export const OPENVPN3_INSTALLED = 'packages/cli/bin/openvpn3'

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
  readonly sessionmgr: TestProcess
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

export async function startStack(opts: {
  servers: ServerSpec[]
  echo?: boolean
  /** how backendstart runs the backend clients (default: as it runs itself) */
  clientRunner?: 'dist' | 'tsx'
  /**
   * how the services run (default tsx: from sources; dist: compiled, as installed); with
   * dist, `cli()` also runs the installed `openvpn3` command instead of the CLI's sources
   */
  runner?: 'dist' | 'tsx'
}): Promise<Stack> {
  let lab: Lab | undefined
  let services: ServiceStack | undefined
  const close = async () => {
    await services?.stop().catch(() => undefined)
    await lab?.close()
  }
  try {
    lab = await startLab({ servers: opts.servers })
    services = await startServiceStack({
      services: ['log', 'configmgr', 'netcfg', 'backendstart', 'sessionmgr'],
      netns: lab.clientNs,
      args: {
        log: ['--log-level', '4'],
        ...(opts.clientRunner ? { backendstart: ['--client-runner', opts.clientRunner] } : {}),
      },
      resolvConf: '# e2e test resolv.conf\nnameserver 192.0.2.53\n',
      echo: opts.echo ?? false,
      ...(opts.runner ? { runner: opts.runner } : {}),
    })
    const cliEntry = opts.runner === 'dist' ? OPENVPN3_INSTALLED : OPENVPN3
    const svc = services
    const theBus = svc.bus
    const theLab = lab
    const stack: Stack = {
      lab,
      bus: theBus,
      dir: svc.dir,
      resolvConf: svc.paths.resolvConf,
      get sessionmgr() {
        return svc.service('sessionmgr')
      },
      async cli(args, o = {}) {
        const t0 = performance.now()
        const p = await startProcess({
          entry: cliEntry,
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
          entry: cliEntry,
          args,
          bus: theBus,
          ...(o.uid !== undefined ? { uid: o.uid } : {}),
          stdin: 'pipe',
          name: `openvpn3 ${args[0] ?? ''}`,
        })
      },
      servicePids() {
        return { ...svc.pids() }
      },
      async restartSessionMgr() {
        await svc.restart('sessionmgr')
      },
      tunDevices: () => theLab.tunDevices(),
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
