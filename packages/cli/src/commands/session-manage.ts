/**
 * `openvpn3 session-manage` (spec dbus-api.md §13.1, §4.2): `--disconnect`, `--pause`,
 * `--resume`, `--restart` on the session selected by `--path`, `--config` or `--interface`.
 * Resume and restart go through the Ready / user-input loop first, as upstream.
 */
import { defineCommand } from '../framework/command.js'
import { UsageError } from '../framework/errors.js'
import {
  SESSION_SELECT_OPTIONS,
  readAuthFile,
  resolveSessionPath,
  sessionObject,
} from './session-common.js'
import { readyLoop } from './session-start.js'

const ACTIONS = ['disconnect', 'pause', 'resume', 'restart'] as const

export default defineCommand({
  name: 'session-manage',
  summary: 'Manage VPN sessions',
  options: [
    ...SESSION_SELECT_OPTIONS,
    { name: 'disconnect', short: 'D', help: 'Disconnect and remove the session' },
    { name: 'pause', short: 'P', help: 'Pause the connection' },
    { name: 'resume', short: 'R', help: 'Resume a paused connection' },
    { name: 'restart', help: 'Reconnect now' },
    {
      name: 'auth-file',
      arg: 'required',
      metavar: 'FILE',
      help: 'Credentials for resume/restart (mode 600)',
    },
  ],
  async run({ args, out, bus, prompt }) {
    const chosen = ACTIONS.filter((a) => args.has(a))
    if (chosen.length !== 1)
      throw new UsageError('give exactly one of --disconnect, --pause, --resume, --restart')
    const conn = await bus()
    const path = await resolveSessionPath(conn, args)
    const session = sessionObject(conn, path)
    const authFile = args.get('auth-file')
    const answers = authFile === undefined ? new Map<string, string>() : readAuthFile(authFile)
    switch (chosen[0]) {
      case 'disconnect': {
        let stats: Record<string, bigint> = {}
        try {
          stats = await session.$get('statistics')
        } catch {
          // statistics are a courtesy
        }
        await session.Disconnect()
        out.line('Initiated session shutdown.')
        for (const [k, v] of Object.entries(stats))
          out.line(`     ${k.padEnd(18, '.')}${String(v).padStart(12, '.')}`)
        break
      }
      case 'pause':
        await session.Pause('Paused by openvpn3 session-manage')
        out.line('Initiated session pause: ' + path)
        break
      case 'resume':
        await readyLoop(session, prompt, answers, () => session.Resume())
        out.line('Initiated session resume: ' + path)
        break
      case 'restart':
        await readyLoop(session, prompt, answers, () => session.Restart())
        out.line('Initiated session restart: ' + path)
        break
      default:
        break
    }
  },
})
