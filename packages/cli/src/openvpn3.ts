#!/usr/bin/env node
/**
 * `openvpn3` — the OpenVPN 3 command-line client (spec dbus-api.md §13.1).
 */
import { launch } from './launch.js'

process.exitCode = await launch('openvpn3', process.argv.slice(2))
