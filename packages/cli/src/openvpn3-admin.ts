#!/usr/bin/env node
/**
 * `openvpn3-admin` — administration commands, mostly for root (spec dbus-api.md §13.2).
 */
import { adminCommands } from './commands/index.js'
import { run } from './framework/run.js'

process.exitCode = await run('openvpn3-admin', adminCommands, process.argv.slice(2))
