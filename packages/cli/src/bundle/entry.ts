/**
 * What the `openvpn3` / `openvpn3-admin` launchers need: the dispatcher and the two command
 * tables (spec dbus-api.md §13). This module is the entry point of the single-file bundle
 * (`dist/bundle/cli.cjs`, see build.ts) and, when no usable bundle exists, is imported as is.
 */
export { run } from '../framework/run.js'
export { openvpn3Commands, adminCommands } from '../commands/index.js'
