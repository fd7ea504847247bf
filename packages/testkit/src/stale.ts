/**
 * @module stale
 * Reaps what an earlier test process left behind when it was SIGKILLed (no exit hook ran):
 * lab namespaces `ovl-[cs]-<pid>-<id>` and dirs `ovpn3-lab-<pid>-…`, bus dirs `ovpn3-bus-<pid>-…`
 * with their dbus-daemon. Only resources whose owner PID is dead are touched, so parallel test
 * processes never disturb each other. Called at the start of startLab/startBus.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAlive, killSync } from './cleanup.js'
import { deleteNamespaceSync, listNamespacesSync, namespacePidsSync } from './netns.js'

export const BUS_PID_FILE = 'daemon.pid'

const LAB_NS = /^ovl-[cs]-(\d+)-[0-9a-f]{6}$/
const LAB_DIR = /^ovpn3-lab-(\d+)-/
const BUS_DIR = /^ovpn3-bus-(\d+)-/

function ownerGone(pidText: string | undefined): boolean {
  const pid = Number(pidText)
  return Number.isInteger(pid) && pid > 0 && pid !== process.pid && !isAlive(pid)
}

function tmpEntries(re: RegExp): string[] {
  try {
    return readdirSync(tmpdir()).filter((n) => ownerGone(re.exec(n)?.[1]))
  } catch {
    return []
  }
}

/** Kills processes in, and deletes, lab namespaces and dirs of dead owners. */
export function reapStaleLabs(): void {
  for (const ns of listNamespacesSync()) {
    if (!ownerGone(LAB_NS.exec(ns)?.[1])) continue
    for (const pid of namespacePidsSync(ns)) killSync(pid, 500)
    deleteNamespaceSync(ns)
  }
  for (const name of tmpEntries(LAB_DIR)) {
    rmSync(join(tmpdir(), name), { recursive: true, force: true })
  }
}

/** Kills the dbus-daemon of, and removes, bus dirs of dead owners. */
export function reapStaleBuses(): void {
  for (const name of tmpEntries(BUS_DIR)) {
    const dir = join(tmpdir(), name)
    try {
      const pid = Number(readFileSync(join(dir, BUS_PID_FILE), 'utf8').trim())
      // Only if that PID really is this bus's daemon (PIDs get reused).
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      if (cmdline.includes(dir)) killSync(pid, 500)
    } catch {
      // no pid file or no such process
    }
    rmSync(dir, { recursive: true, force: true })
  }
}
