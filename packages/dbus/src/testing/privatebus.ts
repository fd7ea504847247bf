/**
 * Test helper: a private system-like bus (`<type>system</type>`, EXTERNAL auth, the stock
 * Debian system.conf default policy) in a temp dir, optionally including policy files.
 * Stopped by PID. Used by this package's tests until/unless @openvpn3-ts/testkit is used.
 */
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface PrivateBus {
  address: string
  pid: number
  dir: string
  env: NodeJS.ProcessEnv
  stop(): Promise<void>
}

export interface PrivateBusOptions {
  /** extra `<policy>` XML inserted after the default policy */
  policy?: string
  /** directories of `*.conf` policy files to include */
  includeDirs?: string[]
  /** standalone files to include */
  includeFiles?: string[]
}

/** Default system-bus policy (as Debian's /usr/share/dbus-1/system.conf). */
const DEFAULT_POLICY = `
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Introspectable"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Properties"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus.Peer"/>
    <deny send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus" send_member="UpdateActivationEnvironment"/>
  </policy>`

/** Start a private bus; resolves once it prints its address. */
export async function startPrivateBus(opts: PrivateBusOptions = {}): Promise<PrivateBus> {
  const dir = mkdtempSync(join(tmpdir(), 'ovpn3ts-bus-'))
  chmodSync(dir, 0o755)
  const sock = join(dir, 'bus.sock')
  const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=${sock}</listen>
  <auth>EXTERNAL</auth>
${DEFAULT_POLICY}
${opts.policy ?? ''}
${(opts.includeDirs ?? []).map((d) => `  <includedir>${d}</includedir>`).join('\n')}
${(opts.includeFiles ?? []).map((f) => `  <include>${f}</include>`).join('\n')}
</busconfig>
`
  const configPath = join(dir, 'bus.conf')
  writeFileSync(configPath, config)
  const child: ChildProcess = spawn(
    'dbus-daemon',
    [`--config-file=${configPath}`, '--nofork', '--nopidfile', '--print-address=1'],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const address = await new Promise<string>((resolve, reject) => {
    let out = ''
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`dbus-daemon did not start within 5 s: ${stderr}`))
    }, 5000)
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString()
      const nl = out.indexOf('\n')
      if (nl >= 0) {
        clearTimeout(timer)
        resolve(out.slice(0, nl).trim())
      }
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      reject(new Error(`dbus-daemon exited (${code}): ${stderr}`))
    })
  })
  const pid = child.pid ?? 0
  return {
    address,
    pid,
    dir,
    env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        process.kill(pid, 'SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))])
        if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Permissive test policy: root and everyone may own names and call anything. */
export const OPEN_POLICY = `
  <policy context="default">
    <allow own_prefix="net.openvpn.v3"/>
    <allow send_destination_prefix="net.openvpn.v3"/>
    <allow send_type="method_call"/>
  </policy>`
