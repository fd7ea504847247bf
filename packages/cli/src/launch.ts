/**
 * Start-up of the `openvpn3` / `openvpn3-admin` programs (spec dbus-api.md §13): run the
 * command from the single-file bundle next to this file (`bundle/`, built by
 * `npm run build`; see bundle/load.ts) when it is there and current, else from the modules.
 * Both paths run the same code; the bundle only starts faster — for commands that load the
 * D-Bus code. Runs that load no command module (the command list, plain `version`) start
 * faster from the few small modules they need, so they skip the bundle.
 */
import { fileURLToPath } from 'node:url'
import { loadBundle, type BundleExports } from './bundle/load.js'

export type Program = 'openvpn3' | 'openvpn3-admin'

/** True when `argv` loads a command module (and so the D-Bus code): worth the bundle. */
export function wantsBundle(argv: readonly string[]): boolean {
  const [cmd, ...rest] = argv
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === '--list-commands')
    return false
  if (cmd === 'help' || cmd === 'version') return rest.length > 0
  return true
}

export async function launch(program: Program, argv: readonly string[]): Promise<number> {
  const here = import.meta.url
  // from sources (tsx) there is no bundle: bundles are made from, and only used by, dist/
  const bundled =
    here.endsWith('.js') && wantsBundle(argv)
      ? loadBundle(fileURLToPath(new URL('./bundle/', here)))
      : undefined
  const m: BundleExports = bundled?.exports ?? (await import('./bundle/entry.js'))
  return m.run(program, program === 'openvpn3' ? m.openvpn3Commands : m.adminCommands, argv)
}
