#!/usr/bin/env node
/**
 * Entry point of `openvpn3-access`: the only file that touches argv, stdin, signals and exit
 * codes (style rule 6). `serve` runs the daemon until SIGTERM/SIGINT.
 */
import { readFileSync } from 'node:fs'
import { runCli, type CliIo } from './cli.js'
import type { AccessConfig } from './config.js'
import { AccessDaemon } from './daemon.js'
import { loadEventsModule } from './events-module.js'
import { createLogger } from './logger.js'
import { openStore } from './store/open.js'

const DEFAULT_CONFIG = process.env.OPENVPN3_ACCESS_CONFIG ?? '/etc/openvpn3-access/config.json'

async function readSecret(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (input is echoed; prefer a pipe): ')
  const chunks: Buffer[] = []
  for await (const c of process.stdin) {
    chunks.push(c as Buffer)
    if (process.stdin.isTTY && String(c).includes('\n')) break
  }
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

async function serve(config: AccessConfig): Promise<number> {
  const logger = createLogger(config.logLevel)
  const store = await openStore(config.store)
  const events = config.events ? await loadEventsModule(config.events.module, logger) : undefined
  events?.warnings.forEach((w) => logger.warn(w))
  const pwFile = config.management?.passwordFile
  const managementPassword = pwFile
    ? (readFileSync(pwFile, 'utf8').split('\n')[0] ?? '')
    : undefined
  const daemon = new AccessDaemon({ config, store, logger, events, managementPassword })
  daemon.start()
  logger.info(`openvpn3-access serving server "${config.serverId}" (store: ${store.kind})`)
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGTERM', () => resolve('SIGTERM'))
    process.once('SIGINT', () => resolve('SIGINT'))
  })
  logger.info(`${signal}: stopping`)
  await daemon.stop()
  await store.close()
  return 0
}

const io: CliIo = {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
  readSecret,
  serve,
}

runCli(process.argv.slice(2), io, DEFAULT_CONFIG).then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`openvpn3-access: ${e.message}\n`)
    process.exit(1)
  }
)
