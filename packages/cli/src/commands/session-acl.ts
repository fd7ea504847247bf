/**
 * `openvpn3 session-acl` (spec dbus-api.md §13.1, §4.2, §4.3): show or change who may use a
 * session — `--grant USER`, `--revoke USER` (repeatable), `--public-access BOOL`,
 * `--allow-log-access BOOL` (clears/sets `restrict_log_access`), `--show`.
 */
import { defineCommand } from '../framework/command.js'
import { parseBool } from '../framework/args.js'
import { describeUid, resolveUid } from '../framework/users.js'
import { yesNo } from '../framework/output.js'
import { SESSION_SELECT_OPTIONS, resolveSessionPath, sessionObject } from './session-common.js'

export default defineCommand({
  name: 'session-acl',
  summary: 'Manage access control lists for sessions',
  options: [
    ...SESSION_SELECT_OPTIONS,
    { name: 'show', short: 's', help: 'Show the current access list' },
    {
      name: 'grant',
      short: 'G',
      arg: 'required',
      metavar: 'USER',
      multiple: true,
      help: 'Grant a user access',
    },
    {
      name: 'revoke',
      short: 'R',
      arg: 'required',
      metavar: 'USER',
      multiple: true,
      help: 'Revoke a user',
    },
    { name: 'public-access', arg: 'required', metavar: 'BOOL', help: 'Everyone may use it' },
    {
      name: 'allow-log-access',
      arg: 'required',
      metavar: 'BOOL',
      help: 'Granted users may follow the log',
    },
  ],
  async run({ args, out, bus }) {
    const conn = await bus()
    const path = await resolveSessionPath(conn, args)
    const s = sessionObject(conn, path)
    for (const u of args.all('grant')) {
      const uid = resolveUid(u)
      await s.AccessGrant(uid)
      out.line(`Granted access to ${describeUid(uid)}`)
    }
    for (const u of args.all('revoke')) {
      const uid = resolveUid(u)
      await s.AccessRevoke(uid)
      out.line(`Revoked access from ${describeUid(uid)}`)
    }
    const pub = args.get('public-access')
    if (pub !== undefined) {
      const v = parseBool(pub, '--public-access')
      await s.$set('public_access', v)
      out.line(`Public access set to ${yesNo(v)}`)
    }
    const logAccess = args.get('allow-log-access')
    if (logAccess !== undefined) {
      const v = parseBool(logAccess, '--allow-log-access')
      await s.$set('restrict_log_access', !v)
      out.line(`Log access for granted users ${v ? 'allowed' : 'restricted'}`)
    }
    if (args.has('show')) {
      const [owner, acl, publicAccess, restrict] = await Promise.all([
        s.$get('owner'),
        s.$get('acl'),
        s.$get('public_access'),
        s.$get('restrict_log_access'),
      ])
      out.fields([
        ['Owner', describeUid(owner)],
        ['Public access', yesNo(publicAccess)],
        ['Log access for granted users', yesNo(!restrict)],
        ['Users granted access', acl.length === 0 ? '(none)' : acl.map(describeUid).join(', ')],
      ])
    }
  },
})
