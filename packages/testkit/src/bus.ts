/**
 * @module bus
 * A private dbus-daemon that behaves like the system bus (see busconfig.ts), one per test. The
 * socket lives in a fresh temporary directory that other UIDs can traverse, so services and
 * clients may run as the second test user. Processes find it via DBUS_SYSTEM_BUS_ADDRESS.
 */
import { spawn } from 'node:child_process'
import type { Socket } from 'node:net'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dbus from 'dbus-next'
import { waitForBusName } from './bus-names.js'
import { renderBusConfig } from './busconfig.js'
import { isAlive, killSync, registerCleanup } from './cleanup.js'
import { BusStartError, TestkitTimeoutError } from './errors.js'
import { REPO_ROOT } from './paths.js'
import { BUS_PID_FILE, reapStaleBuses } from './stale.js'
import { settleWithin, waitForExit } from './wait.js'

/** The generated policy files of packages/dbus (may be empty or missing early on). */
export const DEFAULT_POLICY_DIR = join(REPO_ROOT, 'dbus-policy')

export interface StartBusOptions {
  /** directory of *.conf policy files to include (default: <repo>/dbus-policy) */
  policyDir?: string
  /** extra raw `<policy>…</policy>` XML, appended after the included files */
  extraPolicy?: string
  /**
   * directories of D-Bus activation files (`<servicedir>`); services are then started by the
   * daemon directly (no setuid helper: `User=` is ignored, they run as the daemon's user)
   */
  serviceDirs?: readonly string[]
  timeoutMs?: number
}

export interface TestBus {
  /** D-Bus address, `unix:path=…,guid=…` */
  address: string
  /** PID of the dbus-daemon */
  pid: number
  /** temporary directory holding bus.conf and the socket */
  dir: string
  /** copy of process.env with DBUS_SYSTEM_BUS_ADDRESS set to this bus */
  env: NodeJS.ProcessEnv
  /** resolves once `name` is owned (or, with `owned: false`, released) on this bus */
  waitForName(name: string, opts?: { owned?: boolean; timeoutMs?: number }): Promise<void>
  /** a new dbus-next connection to this bus (caller disconnects it) */
  connect(opts?: { negotiateUnixFd?: boolean }): dbus.MessageBus
  /** stops the daemon (by PID) and removes its directory; idempotent */
  stop(): Promise<void>
}

/** Starts a private system-like dbus-daemon. */
export async function startBus(opts: StartBusOptions = {}): Promise<TestBus> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  reapStaleBuses()
  const dir = mkdtempSync(join(tmpdir(), `ovpn3-bus-${process.pid}-`))
  // mkdtemp makes 0700; the second test UID must reach the socket.
  chmodSync(dir, 0o755)
  const socketPath = join(dir, 'system_bus_socket')
  const configPath = join(dir, 'bus.conf')
  writeFileSync(
    configPath,
    renderBusConfig({
      socketPath,
      includeDirs: [opts.policyDir ?? DEFAULT_POLICY_DIR],
      ...(opts.extraPolicy === undefined ? {} : { extraPolicy: opts.extraPolicy }),
      ...(opts.serviceDirs === undefined ? {} : { serviceDirs: opts.serviceDirs }),
    })
  )

  const child = spawn(
    'dbus-daemon',
    [
      `--config-file=${configPath}`,
      '--nofork',
      '--nopidfile',
      '--print-address=1',
      '--print-pid=1',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] }
  )
  const pid = child.pid
  let unregister = (): void => undefined
  if (pid !== undefined) {
    unregister = registerCleanup({
      label: `dbus-daemon ${pid}`,
      run: () => {
        killSync(pid)
        rmSync(dir, { recursive: true, force: true })
      },
    })
  }
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))

  const exited = waitForExit(child)
  let address: string
  try {
    if (pid === undefined) throw new BusStartError('dbus-daemon could not be spawned')
    address = await new Promise<string>((resolve, reject) => {
      let out = ''
      const timer = setTimeout(
        () => reject(new TestkitTimeoutError('dbus-daemon address', timeoutMs, { detail: stderr })),
        timeoutMs
      )
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d
        const lines = out.split('\n')
        // --print-address then --print-pid, each on its own line
        if (lines.length >= 3 && lines[0]) {
          clearTimeout(timer)
          resolve(lines[0].trim())
        }
      })
      child.on('error', (err) => {
        clearTimeout(timer)
        reject(new BusStartError(`dbus-daemon failed to start: ${err.message}`, { cause: err }))
      })
      void exited.then(({ code, signal }) => {
        clearTimeout(timer)
        reject(new BusStartError(`dbus-daemon exited (code ${code}, signal ${signal}): ${stderr}`))
      })
    })
  } catch (err) {
    if (pid !== undefined) killSync(pid)
    rmSync(dir, { recursive: true, force: true })
    unregister()
    throw err
  }

  // Lets a later run reap this daemon if we are SIGKILLed (stale.ts).
  writeFileSync(join(dir, BUS_PID_FILE), `${pid}\n`)
  // A bus a test forgot to stop must not keep the test process alive; the exit hook kills it.
  child.unref()
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as Socket).unref()

  let stopped: Promise<void> | undefined
  const daemonPid = pid
  return {
    address,
    pid: daemonPid,
    dir,
    env: { ...process.env, DBUS_SYSTEM_BUS_ADDRESS: address },
    waitForName: (name, o = {}) => waitForBusName(address, name, o),
    connect: (o = {}) => dbus.sessionBus({ busAddress: address, ...o }),
    stop: () => {
      stopped ??= (async () => {
        if (isAlive(daemonPid)) {
          child.kill('SIGTERM')
          const done = await settleWithin(exited, 2000)
          if (done === undefined && isAlive(daemonPid)) {
            child.kill('SIGKILL')
            await settleWithin(exited, 2000)
          }
        }
        rmSync(dir, { recursive: true, force: true })
        unregister()
      })()
      return stopped
    },
  }
}
