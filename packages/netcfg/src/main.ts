#!/usr/bin/env node
/**
 * openvpn3-service-netcfg entry point (spec §7.1): parse options, check privileges (optionally
 * drop root, see service/privileges.ts), pick the DNS back-end, connect to the system bus
 * (DBUS_SYSTEM_BUS_ADDRESS honoured), serve net.openvpn.v3.netcfg, and on SIGTERM/SIGINT, idle
 * exit or loss of the bus undo everything before exiting. Signals are handled only here.
 */
import { DBusConnection, runServiceMain } from '@openvpn3-ts/dbus'
import { NetcfgConfigError } from './errors.js'
import type { DnsBackend } from './os/dns.js'
import { Ip } from './os/ip.js'
import { ResolvConfBackend } from './os/resolv-conf.js'
import { RESOLVE1_MANAGER, RESOLVE1_NAME, RESOLVE1_PATH, ResolvedBackend } from './os/resolved.js'
import { createNetcfgLogger } from './service/logger.js'
import { USAGE, parseOptions, type NetcfgOptions } from './service/options.js'
import { CAP_NET_ADMIN, dropPrivilegesByReexec, hasCap } from './service/privileges.js'
import { NetcfgService } from './service/service.js'

async function run(opts: NetcfgOptions): Promise<number> {
  if (process.getuid?.() !== 0 && !hasCap(CAP_NET_ADMIN)) {
    process.stderr.write('openvpn3-service-netcfg: needs root or CAP_NET_ADMIN\n')
    return 1
  }
  const reexec = dropPrivilegesByReexec(opts, process.argv.slice(1))
  if (reexec) return reexec

  const log = createNetcfgLogger(opts.logLevel, opts.logFile)
  const conn = await DBusConnection.connect(opts.busAddress ? { address: opts.busAddress } : {})
  let dns: DnsBackend | undefined
  if (opts.resolvConf !== undefined) {
    const b = new ResolvConfBackend({ path: opts.resolvConf, log: (m) => log.info(m) })
    await b.recover()
    dns = b
  } else if (opts.systemdResolved) {
    dns = new ResolvedBackend({
      log: (m) => log.warn(m),
      caller: {
        call: async (member, signature, body) => {
          await conn.call({
            destination: RESOLVE1_NAME,
            path: RESOLVE1_PATH,
            interface: RESOLVE1_MANAGER,
            member,
            signature,
            body,
          })
        },
      },
    })
  }
  const service = new NetcfgService(opts, { conn, ip: new Ip(), dns, log })
  const signalled = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) process.once(sig, () => resolve(sig))
  })
  try {
    await service.start()
    log.info(`net.openvpn.v3.netcfg ready (pid ${process.pid}, uid ${process.getuid?.()})`)
    const why = await Promise.race([signalled, service.done])
    log.info(`Shutting down: ${why}`)
  } finally {
    await service.stop()
    await conn.close()
  }
  return 0
}

runServiceMain(
  {
    program: 'openvpn3-service-netcfg',
    usage: USAGE,
    parse: parseOptions,
    isUsageError: (err) => err instanceof NetcfgConfigError,
  },
  run
)
