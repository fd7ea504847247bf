/**
 * `openvpn3 sessions-list` (spec dbus-api.md §13.1, §4.1 FetchAvailableSessions, §4.2
 * properties): one block per visible session — path, creation time, backend PID, owner,
 * device, profile, session name, remote, status — or `--json`.
 */
import { StatusMajor, StatusMinor } from '@openvpn3-ts/dbus'
import { defineCommand } from '../framework/command.js'
import { errorText } from '../framework/errors.js'
import { formatTime } from '../framework/output.js'
import { describeUid } from '../framework/users.js'
import { connectedToText, sessionManager, sessionObject } from './session-common.js'

export default defineCommand({
  name: 'sessions-list',
  summary: 'List available VPN sessions',
  options: [{ name: 'json', short: 'j', help: 'JSON output' }],
  async run({ args, out, bus }) {
    const conn = await bus()
    const paths = await sessionManager(conn).FetchAvailableSessions()
    const rows = []
    /** visible (public) sessions whose details the caller may not read (spec §4.3) */
    const opaque: string[] = []
    for (const path of paths) {
      const s = sessionObject(conn, path)
      try {
        const [created, pid, owner, dev, cfg, name, to, status] = await Promise.all([
          s.$get('session_created'),
          s.$get('backend_pid'),
          s.$get('owner'),
          s.$get('device_name'),
          s.$get('config_name'),
          s.$get('session_name'),
          s.$get('connected_to'),
          s.$get('status'),
        ])
        rows.push({ path, created, pid, owner, dev, cfg, name, to, status })
      } catch (err) {
        // the session went away while listing, or its properties are not readable
        const text = errorText(err)
        if (/Access denied/.test(text)) opaque.push(path)
        else if (!/Object does not exist/.test(text)) out.error(`${path}: ${text}`)
      }
    }
    if (args.has('json')) {
      const json: Record<string, unknown>[] = rows.map((r) => ({
        path: r.path,
        session_created: Number(r.created),
        backend_pid: r.pid,
        owner: r.owner,
        device_name: r.dev,
        config_name: r.cfg,
        session_name: r.name,
        connected_to: r.to,
        status: { major: r.status[0], minor: r.status[1], message: r.status[2] },
      }))
      for (const path of opaque) json.push({ path, details: 'not accessible' })
      out.json(json)
      return
    }
    if (rows.length === 0 && opaque.length === 0) {
      out.line('No sessions available')
      return
    }
    out.separator()
    for (const r of rows) {
      const [major, minor, message] = r.status
      out.fields([
        ['Path', r.path],
        ['Created', formatTime(r.created)],
        ['PID', String(r.pid)],
        ['Owner', describeUid(r.owner)],
        ['Device', r.dev || '(none)'],
        ['Config name', r.cfg],
        ...(r.name ? [['Session name', r.name] as const] : []),
        ...(connectedToText(r.to) ? [['Connected to', connectedToText(r.to)] as const] : []),
        [
          'Status',
          `${StatusMajor.display(major) ?? major}, ${StatusMinor.display(minor) ?? minor}${message ? `: ${message}` : ''}`,
        ],
      ])
      out.separator()
    }
    for (const path of opaque) {
      out.fields([
        ['Path', path],
        ['Details', 'not accessible (public session; ask the owner for access)'],
      ])
      out.separator()
    }
  },
})
