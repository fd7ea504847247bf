/**
 * `openvpn3 session-stats` (spec dbus-api.md §13.1, §4.2 `statistics`): the session's
 * counters (bytes/packets in and out, on the link and the TUN), selected by `--path`,
 * `--config` or `--interface`; `--json` for machines.
 */
import { defineCommand } from '../framework/command.js'
import { SESSION_SELECT_OPTIONS, resolveSessionPath, sessionObject } from './session-common.js'

export default defineCommand({
  name: 'session-stats',
  summary: 'Show session statistics',
  options: [...SESSION_SELECT_OPTIONS, { name: 'json', short: 'j', help: 'JSON output' }],
  async run({ args, out, bus }) {
    const conn = await bus()
    const path = await resolveSessionPath(conn, args)
    const stats = await sessionObject(conn, path).$get('statistics')
    const entries = Object.entries(stats).map(([k, v]) => [k, Number(v)] as const)
    if (args.has('json')) {
      out.json(Object.fromEntries(entries))
      return
    }
    out.line('Connection statistics:')
    if (entries.length === 0) out.line('     (none)')
    const w = Math.max(0, ...entries.map(([k]) => k.length)) + 2
    for (const [k, v] of entries) out.line(`     ${k.padEnd(w, '.')}${String(v).padStart(12, '.')}`)
    out.line()
  },
})
