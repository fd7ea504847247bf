/**
 * `net.openvpn.v3.backends` — the backend starter (spec §5) and the per-tunnel backend
 * client `net.openvpn.v3.backends.be<PID>` (spec §6), with their policies (spec §9.1).
 * Wire truth for the client: spec/introspection/net.openvpn.v3.backends.bePID.xml.
 */
import type { ServiceDecl } from '../declare.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'
import {
  OPENVPN_USER,
  attentionRequiredSignal,
  logSignal,
  statusChangeSignal,
  userInputMethods,
  versionProperty,
} from './common.js'

export const backendStarterInterface = {
  name: InterfaceName.backends,
  methods: {
    StartClient: {
      in: [['token', 's']],
      out: [['pid', 'u']],
      doc: 'Spawn a backend client for the session token; returns the first child PID (not the final backend PID).',
    },
  },
  signals: {
    Log: logSignal,
    StatusChange: statusChangeSignal,
  },
  properties: {
    version: versionProperty,
  },
} as const

const notInit = ['net.openvpn.v3.error.client', 'Backend service is not initialized'] as const

export const backendClientInterface = {
  name: InterfaceName.backends,
  methods: {
    RegistrationConfirmation: {
      in: [
        ['token', 's'],
        ['session_path', 'o'],
        ['config_path', 'o'],
      ],
      out: [['config_name', 's']],
      doc: 'Session manager confirms the registration; the backend fetches and parses the profile and returns its name.',
      errors: [
        ['net.openvpn.v3.error.be-registration', 'Backend service is already registered'],
        ['net.openvpn.v3.error.be-registration', 'Invalid registration token'],
      ],
    },
    Ping: { in: [], out: [['alive', 'b']], doc: 'Always true.' },
    Ready: {
      in: [],
      out: [],
      doc: 'Succeeds when ready to connect.',
      errors: [
        ['net.openvpn.v3.error.ready', 'Missing user credentials'],
        ['net.openvpn.v3.error.ready', 'Pending web authentication'],
      ],
    },
    Connect: {
      in: [],
      out: [],
      doc: 'Start the VPN connection; returns at once.',
      errors: [
        notInit,
        ['net.openvpn.v3.error.client', 'Required user input not provided'],
        ['net.openvpn.v3.error.client', 'Session is changing connection state, but times out'],
      ],
    },
    Pause: {
      in: [['reason', 's']],
      out: [],
      doc: 'Pause the connection.',
      errors: [notInit, ['net.openvpn.v3.error.client', 'Connection is already paused']],
    },
    Resume: {
      in: [],
      out: [],
      doc: 'Resume a paused connection.',
      errors: [notInit, ['net.openvpn.v3.error.client', 'Connection is not paused']],
    },
    Restart: { in: [], out: [], doc: 'Reconnect now.', errors: [notInit] },
    Disconnect: { in: [], out: [], doc: 'Disconnect and exit.' },
    ForceShutdown: { in: [], out: [], doc: 'Exit immediately.' },
    ...userInputMethods,
  },
  signals: {
    AttentionRequired: { ...attentionRequiredSignal, delivery: 'unicast' },
    Log: {
      args: [
        ['group', 'u'],
        ['level', 'u'],
        ['session_token', 's'],
        ['message', 's'],
      ],
      doc: 'Backend log line with the session token; unicast to the session manager and the log service.',
      delivery: 'unicast',
    },
    RegistrationRequest: {
      args: [
        ['busname', 's'],
        ['token', 's'],
        ['pid', 'i'],
      ],
      doc: 'Sent once after start, unicast to the session manager.',
      delivery: 'unicast',
    },
    StatusChange: {
      ...statusChangeSignal,
      doc: 'Connection status; unicast to the session manager and the log service.',
    },
  },
  properties: {
    connection: {
      type: '(sssu)',
      access: 'read',
      doc: '(protocol, server host, server IP, port); empty unless connected.',
    },
    dco: { type: 'b', access: 'readwrite', doc: 'Data-channel offload (session manager only).' },
    device_name: { type: 's', access: 'read', doc: 'Tunnel interface name, "" when none.' },
    device_path: { type: 'o', access: 'read', doc: 'netcfg device path, `/` when none.' },
    last_log_line: { type: 'a{sv}', access: 'read', doc: 'Last log event (no token).' },
    log_level: { type: 'u', access: 'readwrite', doc: 'Log level 0–6 (session manager only).' },
    session_name: { type: 's', access: 'read', doc: 'Name assigned after connecting.' },
    session_path: {
      type: 'o',
      access: 'read',
      doc: 'Session path, `/__unknown` before registration.',
    },
    statistics: { type: 'a{sx}', access: 'read', doc: 'Non-zero counters (BYTES_IN, …).' },
    status: { type: '(uus)', access: 'read', doc: 'Last StatusChange (major, minor, message).' },
  },
} as const

/**
 * Signals the log service re-emits to LogForward subscribers: sender = log service,
 * path = session path, interface `net.openvpn.v3.backends`, Log without token (spec §8.3).
 * Not exported as an object; used to emit and subscribe with types.
 */
export const forwardedBackendSignals = {
  name: InterfaceName.backends,
  methods: {},
  signals: {
    Log: { ...logSignal, doc: 'Forwarded backend log line (token removed).' },
    StatusChange: { ...statusChangeSignal, doc: 'Forwarded backend status change.' },
  },
  properties: {},
} as const

export const backendsService = {
  id: 'net.openvpn.v3.backends',
  busName: BusName.backends,
  doc: 'Backend starter: spawns one backend client process per session (spec §5).',
  program: 'openvpn3-service-backendstart',
  activation: { user: OPENVPN_USER, args: [] },
  objects: [
    {
      id: 'starter',
      path: ObjectPath.backends,
      doc: 'Starter object.',
      interface: backendStarterInterface,
    },
  ],
  policy: {
    send: [
      {
        context: 'default',
        path: ObjectPath.backends,
        properties: ['Get', 'GetAll'],
        introspect: true,
        ping: true,
      },
      { context: 'service', path: ObjectPath.backends, members: ['StartClient'], ping: true },
    ],
    extra: [
      // only the service users may receive backend signals (the log service's mandatory
      // rule re-allows the forwarded Log/StatusChange)
      {
        context: 'default',
        rule: 'deny',
        attrs: { receive_interface: InterfaceName.backends, receive_type: 'signal' },
      },
    ],
  },
} as const satisfies ServiceDecl

const clientMembers = [
  'Ping',
  'RegistrationConfirmation',
  'Connect',
  'Pause',
  'Resume',
  'Restart',
  'Disconnect',
  'ForceShutdown',
  'Ready',
  'UserInputQueueGetTypeGroup',
  'UserInputQueueFetch',
  'UserInputQueueCheck',
  'UserInputProvide',
] as const

const clientReceive = ['AttentionRequired', 'Log', 'RegistrationRequest', 'StatusChange'] as const

export const backendClientService = {
  id: 'net.openvpn.v3.client',
  busName: `${BusName.backends}.be<PID>`,
  doc: 'Backend client: one process per VPN tunnel, owns `net.openvpn.v3.backends.be<PID>` (spec §6). Not bus-activated.',
  program: 'openvpn3-service-client',
  objects: [
    {
      id: 'session',
      path: ObjectPath.backendSession,
      doc: 'The tunnel’s control object.',
      interface: backendClientInterface,
    },
  ],
  policy: {
    ownPrefix: true,
    send: [
      {
        context: 'service',
        path: ObjectPath.backendSession,
        members: clientMembers,
        anyDestination: true,
      },
    ],
    extra: clientReceive.map((member) => ({
      context: 'service' as const,
      rule: 'allow' as const,
      attrs: {
        receive_interface: InterfaceName.backends,
        receive_type: 'signal',
        receive_member: member,
      },
    })),
  },
} as const satisfies ServiceDecl
