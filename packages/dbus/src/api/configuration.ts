/**
 * `net.openvpn.v3.configuration` — the configuration manager (spec §3) and its policy
 * (spec §9.1). Wire truth: spec/introspection/net.openvpn.v3.configuration{,@object}.xml.
 */
import type { ServiceDecl } from '../declare.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'
import { OPENVPN_USER, STATE_DIR, STD_ACCESS, logSignal, versionProperty } from './common.js'

export const configurationManagerInterface = {
  name: InterfaceName.configuration,
  methods: {
    Import: {
      in: [
        ['name', 's'],
        ['config_str', 's'],
        ['single_use', 'b'],
        ['persistent', 'b'],
      ],
      out: [['config_path', 'o']],
      doc: 'Parse a complete profile (all files inline) into a new configuration object owned by the caller; broadcasts ConfigurationManagerEvent(CFG_CREATED).',
      errors: [['net.openvpn.gdbuspp.request', 'Invalid configuration profile: <reason>']],
    },
    FetchAvailableConfigs: {
      in: [],
      out: [['paths', 'ao']],
      doc: 'Configuration objects the caller owns, is granted, or that are public.',
    },
    LookupConfigName: {
      in: [['config_name', 's']],
      out: [['config_paths', 'ao']],
      doc: 'Visible configurations whose name equals `config_name`.',
    },
    SearchByTag: {
      in: [['tag', 's']],
      out: [['paths', 'ao']],
      doc: 'Visible configurations carrying `tag`.',
    },
    SearchByOwner: {
      in: [['owner', 's']],
      out: [['paths', 'ao']],
      doc: 'Visible configurations owned by `owner` (user name or decimal UID).',
    },
    TransferOwnership: {
      in: [
        ['path', 'o'],
        ['new_owner_uid', 'u'],
      ],
      out: [],
      doc: 'Set the owner of the configuration at `path` (policy: root only).',
    },
  },
  signals: {
    ConfigurationManagerEvent: {
      args: [
        ['path', 'o'],
        ['type', 'q'],
        ['owner', 'u'],
      ],
      doc: 'Broadcast on create (CFG_CREATED) and destroy (CFG_DESTROYED); `type` is a ConfigManagerEventType.',
      delivery: 'broadcast',
    },
    Log: logSignal,
  },
  properties: {
    version: versionProperty,
  },
} as const

const seal = ['net.openvpn.gdbuspp', 'Configuration profile is sealed and read-only'] as const
const denied = ['net.openvpn.gdbuspp', 'Access to the configuration profile is denied.'] as const

export const configurationObjectInterface = {
  name: InterfaceName.configuration,
  methods: {
    Validate: {
      in: [],
      out: [],
      doc: 'Re-run profile validation; fails with the list of missing options.',
      errors: [
        ['net.openvpn.gdbuspp', 'Configuration profile is missing required options: <list>'],
        ['net.openvpn.gdbuspp', 'Server locked profiles are unsupported'],
      ],
    },
    Fetch: {
      in: [],
      out: [['config', 's']],
      doc: 'Profile as OpenVPN text. A backend caller consumes single-use profiles and bumps used_count.',
      errors: [denied],
    },
    FetchJSON: {
      in: [],
      out: [['config_json', 's']],
      doc: 'Profile as a JSON document (no usage counting).',
      errors: [denied],
    },
    SetOption: {
      in: [
        ['option', 's'],
        ['value', 's'],
      ],
      out: [],
      doc: 'Accepted and ignored (not implemented upstream).',
    },
    SetOverride: {
      in: [
        ['name', 's'],
        ['value', 'v'],
      ],
      out: [],
      doc: 'Set one override; the variant must be `s` or `b` matching the override type.',
      errors: [
        seal,
        ['net.openvpn.gdbuspp', "Invalid override key '<k>'"],
        ['net.openvpn.gdbuspp', "(SetOverride) Invalid override data type for '<k>': <t>"],
        ['net.openvpn.gdbuspp', 'Unsupported override data type: <t>'],
      ],
    },
    UnsetOverride: {
      in: [['name', 's']],
      out: [],
      doc: 'Remove an override.',
      errors: [seal, ['net.openvpn.gdbuspp', "Override '<k>' has not been set"]],
    },
    AddTag: {
      in: [['tag', 's']],
      out: [],
      doc: 'Add a tag (max 128 chars).',
      errors: [
        seal,
        ['net.openvpn.gdbuspp', 'Tag value cannot be empty'],
        ['net.openvpn.gdbuspp', 'Tag value too long'],
        ['net.openvpn.gdbuspp', 'Tag already exists'],
      ],
    },
    RemoveTag: {
      in: [['tag', 's']],
      out: [],
      doc: 'Remove a tag.',
      errors: [
        seal,
        ['net.openvpn.gdbuspp', 'Tag value cannot be empty'],
        ['net.openvpn.gdbuspp', 'Tag value too long'],
        ['net.openvpn.gdbuspp', 'Non-existing tag'],
      ],
    },
    AccessGrant: {
      in: [['uid', 'u']],
      out: [],
      doc: 'Grant a UID access.',
      errors: [seal, ['net.openvpn.gdbuspp', 'UID already granted access']],
    },
    AccessRevoke: {
      in: [['uid', 'u']],
      out: [],
      doc: 'Revoke a UID.',
      errors: [seal, ['net.openvpn.gdbuspp', 'UID not granted access']],
    },
    Seal: {
      in: [],
      out: [],
      doc: 'Make the profile read-only for good.',
      errors: [['net.openvpn.gdbuspp', 'Configuration is not currently valid']],
    },
    Remove: {
      in: [],
      out: [],
      doc: 'Delete the profile (and its file); broadcasts CFG_DESTROYED.',
    },
  },
  signals: {},
  properties: {
    acl: { type: 'au', access: 'read', doc: 'UIDs granted access.' },
    dco: { type: 'b', access: 'readwrite', doc: 'Request kernel data-channel offload.' },
    import_timestamp: { type: 't', access: 'read', doc: 'Unix time of import.' },
    last_used_timestamp: {
      type: 't',
      access: 'read',
      doc: 'Unix time of the last backend Fetch; 0 if never.',
    },
    locked_down: {
      type: 'b',
      access: 'readwrite',
      doc: 'Only the owner and the openvpn user may Fetch.',
    },
    name: { type: 's', access: 'readwrite', doc: 'Profile name; writing renames.' },
    overrides: { type: 'a{sv}', access: 'read', doc: 'Current overrides (`s` or `b` values).' },
    owner: { type: 'u', access: 'read', doc: 'Owner UID.' },
    persistent: { type: 'b', access: 'read', doc: 'Stored on disk.' },
    public_access: { type: 'b', access: 'readwrite', doc: 'Everyone may list and read it.' },
    readonly: { type: 'b', access: 'read', doc: 'Sealed.' },
    single_use: { type: 'b', access: 'read', doc: 'Removed on the first backend Fetch.' },
    tags: { type: 'as', access: 'read', doc: 'Tags.' },
    transfer_owner_session: {
      type: 'b',
      access: 'readwrite',
      doc: "Sessions started by others belong to the profile's owner.",
    },
    used_count: { type: 'u', access: 'read', doc: 'Number of backend Fetch calls.' },
    valid: { type: 'b', access: 'read', doc: 'Result of the last validation.' },
  },
} as const

const defaultMembers = [
  'Import',
  'FetchAvailableConfigs',
  'LookupConfigName',
  'SearchByTag',
  'SearchByOwner',
  'Validate',
  'Fetch',
  'FetchJSON',
  'SetOption',
  'SetOverride',
  'UnsetOverride',
  'AddTag',
  'RemoveTag',
  'AccessGrant',
  'AccessRevoke',
  'Seal',
  'Remove',
] as const

export const configurationService = {
  id: 'net.openvpn.v3.configuration',
  busName: BusName.configuration,
  doc: 'Configuration manager: imports, stores and hands out VPN profiles (spec §3).',
  program: 'openvpn3-service-configmgr',
  activation: {
    user: OPENVPN_USER,
    args: ['--state-dir', `${STATE_DIR}/configs`],
  },
  objects: [
    {
      id: 'manager',
      path: ObjectPath.configuration,
      doc: 'Manager object.',
      interface: configurationManagerInterface,
    },
    {
      id: 'object',
      path: `${ObjectPath.configuration}/<uuid, '-'→'x'>`,
      doc: 'One imported configuration profile.',
      interface: configurationObjectInterface,
    },
  ],
  policy: {
    send: [
      { context: 'default', members: defaultMembers, ...STD_ACCESS },
      { context: 'service', members: ['Fetch'] },
      { context: 'root', members: ['TransferOwnership'] },
    ],
  },
} as const satisfies ServiceDecl
