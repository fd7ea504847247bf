/**
 * Logging of the configuration manager through the shared logging layer (`ServiceLogger`,
 * `@openvpn3-ts/dbus` logging; spec dbus-api.md §3 process options `--log-level`, §1.5 Log
 * delivery, §2.5/§2.6 group and categories, §2.11 payload, §8.2 Attach): group CONFIGMGR,
 * `Log (uus)` on `net.openvpn.v3.configuration` from the manager or a configuration object's
 * path, unicast to the unique name owning `net.openvpn.v3.log`, which it attaches to (and
 * follows). The local copy goes to stderr: journal-style `<N>` lines when systemd connected
 * the output to the journal (`JOURNAL_STREAM` set), plain time-stamped lines otherwise.
 * Callers never pass profile content or keys; the layer's scrubber is a second line of defence.
 */
import {
  InterfaceName,
  LogGroup,
  ObjectPath,
  ServiceLogger,
  journalSink,
  plainSink,
  type LogSink,
} from '@openvpn3-ts/dbus'

export const SERVICE_NAME = 'openvpn3-service-configmgr'

/** Journal-style lines under systemd's journal, plain lines otherwise (both on stderr). */
export function localSink(env: NodeJS.ProcessEnv = process.env): LogSink {
  return env['JOURNAL_STREAM'] ? journalSink() : plainSink()
}

/** The service's logger; `connect(conn)` it once the bus is up. */
export function createServiceLogger(level: number, sink: LogSink = localSink()): ServiceLogger {
  return new ServiceLogger({
    group: LogGroup.CONFIGMGR,
    serviceName: SERVICE_NAME,
    interface: InterfaceName.configuration,
    path: ObjectPath.configuration,
    level,
    sink,
  })
}
