/**
 * `net.openvpn.v3.sessions` — the session manager (spec §4) and its policy (spec §9.1).
 * Wire truth: spec/introspection/net.openvpn.v3.sessions{,@object}.xml.
 */
import { z } from 'zod'
import type { ServiceDecl } from '../declare.js'
import { MAX_LOG_LEVEL } from '../enums.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'
import {
  OPENVPN_USER,
  STD_ACCESS,
  attentionRequiredSignal,
  logSignal,
  statusChangeSignal,
  userInputMethods,
  versionProperty,
} from './common.js'

export const sessionManagerInterface = {
  name: InterfaceName.sessions,
  methods: {
    NewTunnel: {
      in: [['config_path', 'o']],
      out: [['session_path', 'o']],
      doc: 'Start a backend for the configuration; the session object appears once the backend registers (then SESS_CREATED is broadcast).',
      errors: [
        ['net.openvpn.gdbuspp', 'A session with this configuration profile is already running'],
        ['net.openvpn.gdbuspp.request', 'Could not start the VPN client'],
      ],
    },
    FetchAvailableSessions: {
      in: [],
      out: [['paths', 'ao']],
      doc: 'Sessions the caller owns, is granted, or that are public.',
    },
    FetchManagedInterfaces: {
      in: [],
      out: [['devices', 'as']],
      doc: 'Tunnel interface name of each visible session (may be empty strings).',
    },
    LookupConfigName: {
      in: [['config_name', 's']],
      out: [['session_paths', 'ao']],
      doc: 'Visible sessions started from a profile of that name.',
    },
    LookupInterface: {
      in: [['device_name', 's']],
      out: [['session_path', 'o']],
      doc: 'The visible session using that tunnel interface.',
      errors: [
        ['net.openvpn.gdbuspp', 'Interface not found'],
        ['net.openvpn.gdbuspp', 'More than one interface found'],
      ],
    },
  },
  signals: {
    Log: logSignal,
    SessionManagerEvent: {
      args: [
        ['path', 'o'],
        ['type', 'q'],
        ['owner', 'u'],
      ],
      doc: 'Broadcast: SESS_CREATED after backend registration, SESS_DESTROYED when a session object goes; `type` is a SessionManagerEventType.',
      delivery: 'broadcast',
    },
  },
  properties: {
    version: versionProperty,
  },
} as const

export const sessionObjectInterface = {
  name: InterfaceName.sessions,
  methods: {
    Ready: {
      in: [],
      out: [],
      doc: 'Succeeds when the session can connect; otherwise says what is missing.',
      errors: [
        ['net.openvpn.v3.error.ready', 'Missing user credentials'],
        ['net.openvpn.v3.error.ready', 'Pending web authentication'],
      ],
    },
    Connect: { in: [], out: [], doc: 'Start connecting; progress comes as StatusChange.' },
    Restart: { in: [], out: [], doc: 'Full reconnect, reusing credentials.' },
    Pause: { in: [['reason', 's']], out: [], doc: 'Pause the tunnel.' },
    Resume: { in: [], out: [], doc: 'Resume a paused tunnel.' },
    Disconnect: { in: [], out: [], doc: 'Stop the backend and remove the session.' },
    AccessGrant: {
      in: [['uid', 'u']],
      out: [],
      doc: 'Grant a UID access (owner only).',
      errors: [['net.openvpn.gdbuspp', 'UID already granted access']],
    },
    AccessRevoke: {
      in: [['uid', 'u']],
      out: [],
      doc: 'Revoke a UID (owner only).',
      errors: [['net.openvpn.gdbuspp', 'UID not granted access']],
    },
    LogForward: {
      in: [['enable', 'b']],
      out: [],
      doc: "Start/stop forwarding this session's Log and StatusChange to the caller (via the log service).",
    },
    ...userInputMethods,
  },
  signals: {
    AttentionRequired: attentionRequiredSignal,
    Log: logSignal,
    StatusChange: statusChangeSignal,
  },
  properties: {
    acl: { type: 'au', access: 'read', doc: 'Granted UIDs.' },
    backend_pid: { type: 'u', access: 'read', doc: 'PID of the backend client process.' },
    config_name: { type: 's', access: 'read', doc: 'Profile name, frozen at registration.' },
    config_path: { type: 'o', access: 'read', doc: 'Configuration object used.' },
    connected_to: {
      type: '(ssu)',
      access: 'read',
      doc: '(protocol, server IP, port); empty unless connected.',
    },
    dco: { type: 'b', access: 'readwrite', doc: 'Data-channel offload; fixed after Connect.' },
    device_name: { type: 's', access: 'read', doc: 'Tunnel interface name, "" when none.' },
    device_path: {
      type: 's',
      valueType: 'o',
      access: 'read',
      doc: 'netcfg device object path (declared `s`, upstream sends the backend’s `o`).',
    },
    last_log: {
      type: 'a{sv}',
      access: 'read',
      doc: 'Last log line of the session manager for this session.',
    },
    log_forwards: { type: 'ao', access: 'read', doc: 'Attached log proxy objects.' },
    log_verbosity: {
      type: 'u',
      access: 'readwrite',
      doc: 'Session log level 0–6.',
      check: z.number().max(MAX_LOG_LEVEL, 'Incorrect log level'),
    },
    owner: { type: 'u', access: 'read', doc: 'Owner UID.' },
    public_access: { type: 'b', access: 'readwrite', doc: 'Everyone may use the session.' },
    restrict_log_access: {
      type: 'b',
      access: 'readwrite',
      doc: 'Only the owner may LogForward (default true).',
    },
    session_created: { type: 't', access: 'read', doc: 'Unix time the session was created.' },
    session_name: { type: 's', access: 'read', doc: 'Name assigned after connecting.' },
    statistics: { type: 'a{sx}', access: 'read', doc: 'Live backend counters.' },
    status: { type: '(uus)', access: 'read', doc: 'Last StatusChange (major, minor, message).' },
  },
} as const

export const sessionsService = {
  id: 'net.openvpn.v3.sessions',
  busName: BusName.sessions,
  doc: 'Session manager: one object per VPN session, relays to the backend (spec §4).',
  program: 'openvpn3-service-sessionmgr',
  activation: { user: OPENVPN_USER, args: [] },
  objects: [
    {
      id: 'manager',
      path: ObjectPath.sessions,
      doc: 'Manager object.',
      interface: sessionManagerInterface,
    },
    {
      id: 'session',
      path: `${ObjectPath.sessions}/<uuid, '-'→'s'>`,
      doc: 'One VPN session.',
      interface: sessionObjectInterface,
    },
  ],
  policy: {
    send: [
      {
        context: 'default',
        members: [
          'NewTunnel',
          'FetchAvailableSessions',
          'FetchManagedInterfaces',
          'LookupConfigName',
          'LookupInterface',
          'Connect',
          'Pause',
          'Resume',
          'Restart',
          'Disconnect',
          'Ready',
          'UserInputQueueGetTypeGroup',
          'UserInputQueueFetch',
          'UserInputQueueCheck',
          'UserInputProvide',
          'AccessGrant',
          'AccessRevoke',
          'LogForward',
        ],
        ...STD_ACCESS,
      },
      { context: 'root', members: ['TransferOwnership'] },
    ],
  },
} as const satisfies ServiceDecl
