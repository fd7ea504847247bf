/**
 * Pieces shared by several service declarations: the `version` property every main
 * object has (spec §1.3), the common signal payloads (spec §2.11), the version string
 * our services report, and the openvpn service user (spec §0).
 */

/** Version our services report; major > 25 selects `AddNetworks a(suibb)` (spec §1.3). */
export const SERVICE_VERSION = 'v27'

/** Service account of upstream builds (meson option `openvpn_username`). */
export const OPENVPN_USER = 'openvpn'

/** Where the activation files point (our installed service launchers). */
export const LIBEXEC_DIR = '/usr/libexec/openvpn3-ts'
/** Default state directory (spec §3.8, §14.1). */
export const STATE_DIR = '/var/lib/openvpn3'

export const versionProperty = {
  type: 's',
  access: 'read',
  doc: 'Release identifier, e.g. `v27` (`v<major>[.<minor>][_<suffix>]`); clients probe it (spec §1.3).',
} as const

/** `Log (uus)`: group (LogGroup), level (LogCategory), message — spec §2.11. */
export const logSignal = {
  args: [
    ['group', 'u'],
    ['level', 'u'],
    ['message', 's'],
  ],
  doc: 'Log line; `group` is a LogGroup, `level` a LogCategory. Sent to the log service only.',
  delivery: 'unicast',
} as const

/** `StatusChange (uus)`: StatusMajor, StatusMinor, message — spec §2.11. */
export const statusChangeSignal = {
  args: [
    ['code_major', 'u'],
    ['code_minor', 'u'],
    ['message', 's'],
  ],
  doc: 'Status change: `code_major` is a StatusMajor, `code_minor` a StatusMinor.',
  delivery: 'unicast',
} as const

/**
 * `AttentionRequired (uus)`: upstream names the args like StatusChange (copy/paste) but
 * they carry ClientAttentionType, ClientAttentionGroup, message — spec §2.11.
 */
export const attentionRequiredSignal = {
  args: [
    ['code_major', 'u'],
    ['code_minor', 'u'],
    ['message', 's'],
  ],
  doc: 'User attention needed: args carry ClientAttentionType, ClientAttentionGroup and a message (upstream names them code_major/code_minor).',
  delivery: 'broadcast',
} as const

/** The four user-input-queue methods shared by backend and session objects (spec §6.3). */
export const userInputMethods = {
  UserInputQueueGetTypeGroup: {
    in: [],
    out: [['type_group_list', 'a(uu)']],
    doc: 'Distinct (ClientAttentionType, ClientAttentionGroup) pairs with unanswered slots.',
  },
  UserInputQueueFetch: {
    in: [
      ['type', 'u'],
      ['group', 'u'],
      ['id', 'u'],
    ],
    out: [
      ['type', 'u'],
      ['group', 'u'],
      ['id', 'u'],
      ['name', 's'],
      ['description', 's'],
      ['hidden_input', 'b'],
    ],
    doc: 'Details of one input slot.',
    errors: [
      [
        'net.openvpn.gdbuspp.request',
        'net.openvpn.v3.already-provided: User input already provided',
      ],
      [
        'net.openvpn.gdbuspp.request',
        'net.openvpn.v3.element-not-found: No requires queue element found',
      ],
    ],
  },
  UserInputQueueCheck: {
    in: [
      ['type', 'u'],
      ['group', 'u'],
    ],
    out: [['indexes', 'au']],
    doc: 'IDs of unanswered slots of one (type, group).',
  },
  UserInputProvide: {
    in: [
      ['type', 'u'],
      ['group', 'u'],
      ['id', 'u'],
      ['value', 's'],
    ],
    out: [],
    doc: 'Answer one slot (control characters and newlines are stripped).',
    errors: [
      [
        'net.openvpn.gdbuspp.request',
        'net.openvpn.v3.error.invalid-input: No value provided for RequiresSlot ID <id>',
      ],
      ['net.openvpn.gdbuspp.request', 'User input not required'],
      [
        'net.openvpn.gdbuspp.request',
        'net.openvpn.v3.error.input-already-provided: Request ID <id> has already been provided',
      ],
      [
        'net.openvpn.gdbuspp.request',
        'net.openvpn.v3.invalid-input: No matching entry found in the request queue',
      ],
    ],
  },
} as const

/** Properties/Peer/Introspect rules every `default` policy context grants. */
export const STD_ACCESS = {
  properties: ['Get', 'GetAll', 'Set'],
  introspect: true,
  ping: true,
} as const
