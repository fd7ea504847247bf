/**
 * The CommonJS start of the installed `openvpn3` / `openvpn3-admin` commands (issue 6:
 * `openvpn3` start-up time). build.ts bundles this file into `dist/bundle/start.cjs` and writes
 * one two-line `<program>.cjs` beside it; the shell launchers in `bin/` run those. Starting
 * from CommonJS skips Node's ES module loader, which costs about 30 ms per start on the
 * development machine. The bundle is loaded as launch.ts loads it (load.ts: only when current);
 * without a usable bundle, `dist/launch.js` runs the command from the modules.
 */
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type * as Launch from '../launch.js'
import { loadBundle } from './load.js'

export type Program = 'openvpn3' | 'openvpn3-admin'

/** Runs `program` with `argv` from the bundle in `dir`, else from the modules; exit code. */
export async function start(program: Program, argv: readonly string[], dir: string) {
  const bundled = loadBundle(dir)
  if (bundled) {
    const m = bundled.exports
    return m.run(program, program === 'openvpn3' ? m.openvpn3Commands : m.adminCommands, argv)
  }
  // a path computed at run time: the bundler leaves this import to Node
  const launcher = pathToFileURL(join(dir, '..', 'launch.js')).href
  const { launch } = (await import(launcher)) as typeof Launch
  return launch(program, argv)
}
