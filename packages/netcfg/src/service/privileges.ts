/**
 * Least privilege (spec §7.1): netcfg needs CAP_NET_ADMIN (TUN, addresses, routes, SO_MARK),
 * plus CAP_DAC_OVERRIDE with `--resolv-conf` on a root-owned file, plus CAP_NET_RAW for the
 * `bind-device` redirect method. It refuses to start without CAP_NET_ADMIN. Started as root with
 * `--run-as USER`, it re-executes itself through setpriv(1) as USER with only those capabilities
 * (inheritable + ambient, so the `ip` it runs keeps them; bounding set cleared of the rest).
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { UnknownServiceUserError, lookupServiceUser, type ServiceUser } from '@openvpn3-ts/dbus'
import { NetcfgConfigError } from '../errors.js'
import type { NetcfgOptions } from './options.js'

export const CAP_NET_ADMIN = 12
export const REEXEC_MARK = 'OPENVPN3_TS_NETCFG_DROPPED'

/** Effective capability bits of this process (from /proc/self/status). */
export function effectiveCaps(): bigint {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'))
  return m?.[1] ? BigInt(`0x${m[1]}`) : 0n
}

export function hasCap(bit: number): boolean {
  return (effectiveCaps() & (1n << BigInt(bit))) !== 0n
}

/** The capabilities the chosen options need (setpriv names). */
export function neededCaps(o: NetcfgOptions): string[] {
  const caps = ['net_admin']
  if (o.resolvConf !== undefined) caps.push('dac_override')
  if (o.redirectMethod === 'bind-device') caps.push('net_raw')
  return caps
}

/** The `--run-as` account from the passwd file (through the dbus kit). */
function runAsUser(name: string): ServiceUser {
  try {
    return lookupServiceUser(name)
  } catch (cause) {
    if (cause instanceof UnknownServiceUserError) {
      throw new NetcfgConfigError(`--run-as: unknown user '${name}'`, { cause })
    }
    throw cause
  }
}

/**
 * When running as root with `runAs`, re-executes through setpriv and resolves with the child's
 * exit code (the caller exits with it); otherwise resolves undefined and the caller goes on.
 */
export function dropPrivilegesByReexec(
  o: NetcfgOptions,
  argv: readonly string[]
): Promise<number> | undefined {
  if (o.runAs === undefined || process.getuid?.() !== 0 || process.env[REEXEC_MARK] === '1') {
    return undefined
  }
  const user = runAsUser(o.runAs)
  const caps = neededCaps(o)
  const capList = ['-all', ...caps.map((c) => `+${c}`)].join(',')
  const args = [
    `--reuid=${user.uid}`,
    `--regid=${user.gid}`,
    '--clear-groups',
    `--inh-caps=${capList}`,
    `--ambient-caps=${capList}`,
    `--bounding-set=${capList}`,
    '--',
    process.execPath,
    ...process.execArgv,
    ...argv,
  ]
  const child = spawn('setpriv', args, {
    stdio: 'inherit',
    env: { ...process.env, [REEXEC_MARK]: '1' },
  })
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
    process.on(sig, () => child.kill(sig))
  }
  return new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)))
    child.on('error', () => resolve(1))
  })
}
