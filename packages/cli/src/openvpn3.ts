#!/usr/bin/env node
/**
 * `openvpn3` — the OpenVPN 3 command-line client (spec dbus-api.md §13.1).
 */
import { openvpn3Commands } from './commands/index.js'
import { run } from './framework/run.js'

process.exitCode = await run('openvpn3', openvpn3Commands, process.argv.slice(2))
