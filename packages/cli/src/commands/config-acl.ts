/**
 * `openvpn3 config-acl` (spec dbus-api.md §13.1, §3.3): show and change who may use a
 * profile — `--grant`/`--revoke` (UID or user name, repeatable), `--public-access`,
 * `--transfer-owner-session`, `--lock-down`, `--seal`, `--show`.
 */
import { configInfo } from '../common/config-info.js'
import { CONFIG_OPTION, PATH_OPTION, configObject, resolveConfigPath } from '../common/configs.js'
import { defineCommand } from '../framework/command.js'
import { UsageError } from '../framework/errors.js'
import { yesNo } from '../framework/output.js'
import { describeUid, resolveUid } from '../framework/users.js'

export default defineCommand({
  name: 'config-acl',
  summary: 'Manage access control lists for configurations',
  options: [
    PATH_OPTION,
    CONFIG_OPTION,
    { name: 'show', short: 's', help: 'Show the current access control list' },
    {
      name: 'grant',
      short: 'G',
      arg: 'required',
      metavar: 'UID|USER',
      multiple: true,
      help: 'Grant a user access',
    },
    {
      name: 'revoke',
      short: 'R',
      arg: 'required',
      metavar: 'UID|USER',
      multiple: true,
      help: 'Revoke access from a user',
    },
    {
      name: 'public-access',
      arg: 'required',
      metavar: 'true|false',
      help: 'Allow everyone to use the profile',
    },
    {
      name: 'transfer-owner-session',
      short: 'T',
      arg: 'required',
      metavar: 'true|false',
      help: "Sessions started by others belong to the profile's owner",
    },
    {
      name: 'lock-down',
      arg: 'required',
      metavar: 'true|false',
      help: 'Only the owner and the service may read the profile',
    },
    { name: 'seal', short: 'S', help: 'Make the profile read-only for good' },
  ],
  async run({ args, out, bus }) {
    const grants = args.all('grant').map(resolveUid)
    const revokes = args.all('revoke').map(resolveUid)
    const pub = args.bool('public-access')
    const transfer = args.bool('transfer-owner-session')
    const lock = args.bool('lock-down')
    const seal = args.has('seal')
    const changes =
      grants.length +
      revokes.length +
      [pub, transfer, lock].filter((x) => x !== undefined).length +
      (seal ? 1 : 0)
    if (changes === 0 && !args.has('show'))
      throw new UsageError('nothing to do: give --show or something to change')
    const conn = await bus()
    const cfg = configObject(conn, await resolveConfigPath(conn, args))
    for (const uid of grants) {
      await cfg.AccessGrant(uid)
      out.line(`Granted access to: ${describeUid(uid)}`)
    }
    for (const uid of revokes) {
      await cfg.AccessRevoke(uid)
      out.line(`Revoked access from: ${describeUid(uid)}`)
    }
    if (pub !== undefined) {
      await cfg.$set('public_access', pub)
      out.line(`Public access: ${yesNo(pub)}`)
    }
    if (transfer !== undefined) {
      await cfg.$set('transfer_owner_session', transfer)
      out.line(`Transfer owner to session: ${yesNo(transfer)}`)
    }
    if (lock !== undefined) {
      await cfg.$set('locked_down', lock)
      out.line(`Locked down: ${yesNo(lock)}`)
    }
    if (seal) {
      await cfg.Seal()
      out.line('Configuration sealed (read-only).')
    }
    if (args.has('show')) {
      const i = await configInfo(cfg)
      out.fields([
        ['Configuration name', i.name],
        ['Owner', describeUid(i.owner)],
        ['Public access', yesNo(i.public_access)],
        ['Transfer owner to session', yesNo(i.transfer_owner_session)],
        ['Locked down', yesNo(i.locked_down)],
        ['Sealed', yesNo(i.readonly)],
        [
          'Users granted access',
          i.acl.length === 0 ? 'No users' : `${i.acl.length} user${i.acl.length > 1 ? 's' : ''}`,
        ],
      ])
      for (const uid of i.acl) out.line(`${' '.repeat(28)}- ${describeUid(uid)}`)
    }
  },
})
