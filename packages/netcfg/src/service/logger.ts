/**
 * netcfg's logging through the shared logging layer (`ServiceLogger`, `@openvpn3-ts/dbus`
 * logging; spec §7.1 options `--log-level`/`--log-file`, §1.5 Log delivery, §2.5/§2.6 group and
 * categories, §2.11 payload, §8.2 Attach): group NETCFG, `Log (uus)` on `net.openvpn.v3.netcfg`
 * from the manager or a device path, unicast to the unique name owning `net.openvpn.v3.log`,
 * which the service attaches to (and follows when it appears later or restarts).
 * The local copy: `--log-file stdout:` → stdout, `--log-file FILE` → appended to FILE (stderr
 * if FILE cannot be written), otherwise stderr — journal-style `<N>` lines when systemd
 * connected the output to the journal (`JOURNAL_STREAM` set), plain time-stamped lines else.
 */
import { appendFileSync } from 'node:fs'
import {
  InterfaceName,
  LogGroup,
  ObjectPath,
  ServiceLogger,
  journalSink,
  plainSink,
  type LogSink,
} from '@openvpn3-ts/dbus'

export const SERVICE_NAME = 'openvpn3-service-netcfg'

/** A stream that appends to `path`, falling back to stderr for a line it cannot write. */
function fileStream(path: string): { write(chunk: string): void } {
  return {
    write(chunk: string) {
      try {
        appendFileSync(path, chunk)
      } catch {
        process.stderr.write(chunk)
      }
    },
  }
}

/** Where the local copy of each line goes (see the module comment). */
export function localSink(logFile: string | undefined, env = process.env): LogSink {
  if (logFile === 'stdout:') return plainSink({ stream: process.stdout })
  if (logFile !== undefined) return plainSink({ stream: fileStream(logFile) })
  return env['JOURNAL_STREAM'] ? journalSink() : plainSink()
}

/** The service's logger; the service `connect`s it once it is on the bus. */
export function createNetcfgLogger(level: number, logFile?: string): ServiceLogger {
  return new ServiceLogger({
    group: LogGroup.NETCFG,
    serviceName: SERVICE_NAME,
    interface: InterfaceName.netcfg,
    path: ObjectPath.netcfg,
    level,
    sink: localSink(logFile),
  })
}
