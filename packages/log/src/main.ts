#!/usr/bin/env node
/**
 * openvpn3-service-log entry point (spec §8.1): parse options (command line over
 * log-service.json), open the writer, connect to the system bus (DBUS_SYSTEM_BUS_ADDRESS
 * honoured), serve net.openvpn.v3.log until SIGTERM/SIGINT, idle exit or bus loss. SIGHUP
 * reopens the log file (logrotate). Signals are handled only here.
 */
import { DBusConnection, runServiceMain } from '@openvpn3-ts/dbus'
import { LogConfigError, LogFileError } from './errors.js'
import { USAGE, parseOptions } from './options.js'
import type { LogServiceOptions } from './options.js'
import { LogService } from './service.js'
import { LogWriter } from './writers/writer.js'

async function run(opts: LogServiceOptions): Promise<number> {
  const writer = new LogWriter({
    method: opts.method,
    colour: opts.colour,
    ...(opts.logFile !== undefined ? { logFile: opts.logFile } : {}),
    syslog: {
      facility: opts.syslogFacility,
      ...(opts.syslogSocket !== undefined ? { socket: opts.syslogSocket } : {}),
    },
  })
  try {
    await writer.ready()
  } catch (err) {
    if (err instanceof LogFileError) {
      process.stderr.write(`openvpn3-service-log: ${err.message}\n`)
      return 1
    }
    throw err
  }
  // handlers before owning the name (testkit README: stop right after "ready" must work)
  const signalled = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig))
  })
  process.on('SIGHUP', () => {
    writer.reopen().then(
      () => service?.log.verb1('Log file reopened (SIGHUP)'),
      (err: unknown) =>
        process.stderr.write(`openvpn3-service-log: reopen failed: ${String(err)}\n`)
    )
  })
  let service: LogService | undefined
  const conn = await DBusConnection.connect()
  try {
    service = new LogService(opts, { conn, writer })
    await service.start()
    const why = await Promise.race([signalled, service.done])
    service.log.info(`Shutting down: ${why}`)
  } finally {
    await service?.stop()
    await conn.close()
    await writer.close()
  }
  return 0
}

runServiceMain(
  {
    program: 'openvpn3-service-log',
    usage: USAGE,
    parse: parseOptions,
    isUsageError: (err) => err instanceof LogConfigError,
  },
  run
)
