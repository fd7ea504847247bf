#!/usr/bin/env node
/**
 * `openvpn3-admin` — administration commands, mostly for root (spec dbus-api.md §13.2).
 */
import { launch } from './launch.js'

process.exitCode = await launch('openvpn3-admin', process.argv.slice(2))
