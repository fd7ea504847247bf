/**
 * `net.openvpn.v3.log` — the log service (spec §8) with its log-proxy objects (§8.3) and
 * policy (spec §9.1). Wire truth: spec/introspection/net.openvpn.v3.log.xml.
 */
import { z } from 'zod'
import type { ServiceDecl } from '../declare.js'
import { MAX_LOG_LEVEL } from '../enums.js'
import { BusName, InterfaceName, ObjectPath } from '../names.js'
import { OPENVPN_USER, STATE_DIR, versionProperty } from './common.js'

const LE = 'net.openvpn.v3.log.error'

export const logServiceInterface = {
  name: InterfaceName.log,
  methods: {
    Attach: {
      in: [['interface', 's']],
      out: [],
      doc: "Subscribe to Log/StatusChange signals the caller's unique name sends on `interface`.",
      errors: [
        [LE, 'Could not authenticate caller'],
        [LE, 'Already attached'],
      ],
    },
    AssignSession: {
      in: [
        ['session_path', 'o'],
        ['interface', 's'],
      ],
      out: [],
      doc: 'Backend links a session path to its subscription (enables ProxyLogEvents for it).',
      errors: [[LE, 'Access denied']],
    },
    Detach: {
      in: [['interface', 's']],
      out: [],
      doc: "Remove the caller's subscription.",
      errors: [
        [LE, 'Access denied'],
        [LE, 'Not attached'],
      ],
    },
    GetSubscriberList: {
      in: [],
      out: [['subscribers', 'a(ssss)']],
      doc: '(tag hash, bus name, interface, object path) per subscription; root only.',
    },
    ProxyLogEvents: {
      in: [
        ['target_address', 's'],
        ['session_path', 'o'],
      ],
      out: [['proxy_path', 'o']],
      doc: "Create a proxy object forwarding the session's backend Log/StatusChange to `target_address` (session manager only).",
      errors: [
        [LE, 'Access denied'],
        [LE, 'No session available'],
      ],
    },
  },
  signals: {},
  properties: {
    config_file: { type: 's', access: 'read', doc: 'Path of log-service.json or "".' },
    log_dbus_details: { type: 'b', access: 'readwrite', doc: 'Add sender meta-data lines.' },
    log_level: {
      type: 'u',
      access: 'readwrite',
      doc: 'Log level 0–6 (default 3).',
      check: z.number().max(MAX_LOG_LEVEL, 'Invalid log level'),
    },
    log_method: { type: 's', access: 'read', doc: '`stdout:`, `syslog`, `journald` or `logfile`.' },
    log_prefix_logtag: { type: 'b', access: 'readwrite', doc: 'Prefix lines with the log tag.' },
    num_attached: { type: 'u', access: 'read', doc: 'Number of attach subscriptions.' },
    timestamp: { type: 'b', access: 'readwrite', doc: 'Timestamp each line.' },
    version: versionProperty,
  },
} as const

export const logProxyInterface = {
  name: InterfaceName.log,
  methods: {
    Remove: { in: [], out: [], doc: 'Stop forwarding and delete the proxy.' },
  },
  signals: {},
  properties: {
    log_level: { type: 'u', access: 'readwrite', doc: 'Forwarding log level (default 6).' },
    session_path: { type: 'o', access: 'read', doc: 'Session being forwarded.' },
    target: {
      type: 'o',
      valueType: 's',
      access: 'read',
      doc: "Receiver's unique bus name (declared `o`, upstream sends `s`).",
    },
  },
} as const

export const logService = {
  id: 'net.openvpn.v3.log',
  busName: BusName.log,
  doc: 'Log service: collects Log/StatusChange of all services, forwards session logs to front-ends (spec §8).',
  program: 'openvpn3-service-log',
  activation: { user: OPENVPN_USER, args: ['--state-dir', STATE_DIR] },
  objects: [
    { id: 'service', path: ObjectPath.log, doc: 'Main object.', interface: logServiceInterface },
    {
      id: 'proxy',
      path: `${ObjectPath.logProxy}/<uuid, '-'→'l'>`,
      doc: 'One log-forwarding proxy (LogForward).',
      interface: logProxyInterface,
    },
  ],
  policy: {
    send: [
      {
        context: 'default',
        path: ObjectPath.log,
        properties: ['Get', 'GetAll'],
        introspect: true,
        ping: true,
      },
      {
        context: 'service',
        members: ['Attach', 'AssignSession', 'Detach', 'Remove'],
        properties: ['Get', 'Set'],
        introspect: true,
        ping: true,
      },
      { context: 'service', path: ObjectPath.log, members: ['ProxyLogEvents'] },
      {
        context: 'root',
        path: ObjectPath.log,
        members: ['GetSubscriberList'],
        properties: ['Get', 'GetAll', 'Set'],
      },
    ],
    extra: (['Log', 'StatusChange'] as const).map((member) => ({
      // front-ends receive forwarded session logs from the log service (spec §8.3)
      context: 'mandatory' as const,
      rule: 'allow' as const,
      attrs: {
        receive_sender: BusName.log,
        receive_interface: InterfaceName.backends,
        receive_type: 'signal',
        receive_member: member,
      },
    })),
  },
} as const satisfies ServiceDecl
