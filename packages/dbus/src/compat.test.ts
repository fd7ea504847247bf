/**
 * Compatibility with the wire truth: introspection XML recorded from OpenVPN 3 Linux
 * v24.1 (`shared/spec/introspection/*.xml` beside the repository) compared member by member (interface
 * names, method/signal/property names, argument signatures and names in order, property
 * types and access) with (1) the XML generated from our declarations and (2) what live
 * objects exported by the service kit answer to Introspect over a real dbus-daemon.
 * Every difference must be listed in DELIBERATE with its reason; stale entries fail too.
 */
import { after, before, describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  backendClientInterface,
  configurationManagerInterface,
  configurationObjectInterface,
  logServiceInterface,
  netcfgDeviceInterface,
  netcfgManagerInterface,
  sessionManagerInterface,
  sessionObjectInterface,
} from './api/index.js'
import { DBusConnection } from './bus.js'
import type { InterfaceDecl } from './declare.js'
import { objectXml } from './introspect.js'
import { diffNodes, parseIntrospection } from './introspect-parse.js'
import {
  BusName,
  ObjectPath,
  backendBusName,
  newConfigurationPath,
  newSessionPath,
} from './names.js'
import { ServiceHost } from './service/host.js'
import type { ObjectImpl } from './service/host.js'
import { requestName } from './service/name.js'
import { OPEN_POLICY, startPrivateBus } from './testing/privatebus.js'
import type { PrivateBus } from './testing/privatebus.js'

/**
 * The recordings live in the project's shared/ folder, which sits beside the repository (CI
 * clones it that way too); OVPN3_SPEC_DIR overrides. A missing folder fails the test: the
 * comparison must always run.
 */
const SPEC_DIR = ((): string => {
  const fromEnv = process.env.OVPN3_SPEC_DIR
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  const repoRoot = fileURLToPath(new URL('../../../', import.meta.url))
  const candidates = [
    join(repoRoot, '..', 'shared', 'spec', 'introspection'),
    '/work/shared/spec/introspection',
  ]
  return candidates.find((d) => existsSync(d)) ?? candidates[0]!
})()

interface Recorded {
  /** recording file stem, used as the label in difference lines */
  label: string
  decl: InterfaceDecl
  busName: string
  path: string
}

const RECORDED: Recorded[] = [
  {
    label: 'net.openvpn.v3.configuration',
    decl: configurationManagerInterface,
    busName: BusName.configuration,
    path: ObjectPath.configuration,
  },
  {
    label: 'net.openvpn.v3.configuration@object',
    decl: configurationObjectInterface,
    busName: BusName.configuration,
    path: newConfigurationPath(),
  },
  {
    label: 'net.openvpn.v3.sessions',
    decl: sessionManagerInterface,
    busName: BusName.sessions,
    path: ObjectPath.sessions,
  },
  {
    label: 'net.openvpn.v3.sessions@object',
    decl: sessionObjectInterface,
    busName: BusName.sessions,
    path: newSessionPath(),
  },
  {
    label: 'net.openvpn.v3.netcfg',
    decl: netcfgManagerInterface,
    busName: BusName.netcfg,
    path: ObjectPath.netcfg,
  },
  {
    label: 'net.openvpn.v3.netcfg@object',
    decl: netcfgDeviceInterface,
    busName: BusName.netcfg,
    path: `${ObjectPath.netcfg}/4242_compat`,
  },
  {
    label: 'net.openvpn.v3.log',
    decl: logServiceInterface,
    busName: BusName.log,
    path: ObjectPath.log,
  },
  {
    label: 'net.openvpn.v3.backends.bePID',
    decl: backendClientInterface,
    busName: backendBusName(process.pid),
    path: ObjectPath.backendSession,
  },
]

/** Differences we keep on purpose, with the reason. Key = exact difference line. */
const DELIBERATE: Record<string, string> = {
  'net.openvpn.v3.netcfg@object: net.openvpn.v3.netcfg method AddNetworks in signature: a(suibb) ≠ a(subb)':
    'The recording is v24.1. Since v26 the networks carry a metric: a(suibb); clients send it when the service version major is > 25 and we report v27 (spec §1.3, §7.3, §11).',
  'net.openvpn.v3.backends.bePID: net.openvpn.v3.backends method UserInputQueueFetch out#4 name: description ≠ descripiton':
    'Upstream typo in the introspection; argument names are not on the wire (spec §6.3). The session object spells it correctly.',
}

function recorded(label: string) {
  return parseIntrospection(readFileSync(join(SPEC_DIR, `${label}.xml`), 'utf8'))
}

function diffsFor(r: Recorded, xml: string): string[] {
  // compare every interface: standard ones (Properties, Introspectable, Peer) and ours
  return diffNodes(parseIntrospection(xml), recorded(r.label)).map((d) => `${r.label}: ${d}`)
}

function assertOnlyDeliberate(diffs: string[]) {
  const unexplained = diffs.filter((d) => !(d in DELIBERATE))
  const stale = Object.keys(DELIBERATE).filter((d) => !diffs.includes(d))
  assert.deepEqual(
    { unexplained, stale },
    { unexplained: [], stale: [] },
    `differences from the recorded upstream introspection:\n${diffs.join('\n')}`
  )
}

void describe('compatibility with recorded upstream introspection', () => {
  void test('every recording is covered', () => {
    const files = readFileSync(join(SPEC_DIR, 'SUMMARY.md'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('## '))
      .map((l) => l.slice(3).replace(/\.xml$/, ''))
    assert.deepEqual(files.sort(), RECORDED.map((r) => r.label).sort())
  })

  void test('generated XML: only deliberate differences', () => {
    const diffs = RECORDED.flatMap((r) => diffsFor(r, objectXml([r.decl], [])))
    assertOnlyDeliberate(diffs)
  })

  void test('the comparison detects a changed signature (self-check)', () => {
    const r = RECORDED[0] as Recorded
    const changed = {
      ...configurationManagerInterface,
      methods: {
        ...configurationManagerInterface.methods,
        Import: { ...configurationManagerInterface.methods.Import, out: [['config_path', 's']] },
      },
    } as const
    assert.deepEqual(diffsFor(r, objectXml([changed], [])), [
      'net.openvpn.v3.configuration: net.openvpn.v3.configuration method Import out signature: s ≠ o',
    ])
  })
})

void describe('live objects answer Introspect with the same XML', { timeout: 60_000 }, () => {
  let bus: PrivateBus
  let service: DBusConnection
  let client: DBusConnection
  let host: ServiceHost

  before(async () => {
    bus = await startPrivateBus({ policy: OPEN_POLICY })
    service = await DBusConnection.connect({ address: bus.address })
    client = await DBusConnection.connect({ address: bus.address, callTimeoutMs: 5000 })
    host = new ServiceHost(service)
    // Introspect never calls handlers or getters: an empty implementation is enough here.
    const stub = { methods: {}, properties: {} } as unknown as ObjectImpl<InterfaceDecl>
    for (const r of RECORDED) host.export(r.path, r.decl, stub)
    for (const name of new Set(RECORDED.map((r) => r.busName))) await requestName(service, name)
  })
  after(async () => {
    host?.close()
    await client?.close()
    await service?.close()
    await bus?.stop()
  })

  void test('over the bus: only deliberate differences, and identical to the generated XML', async () => {
    const diffs: string[] = []
    for (const r of RECORDED) {
      const reply = await client.call({
        destination: r.busName,
        path: r.path,
        interface: 'org.freedesktop.DBus.Introspectable',
        member: 'Introspect',
      })
      const xml = reply.body[0] as string
      diffs.push(...diffsFor(r, xml))
      const children = RECORDED.filter((o) => o.path.startsWith(r.path + '/')).map(
        (o) => o.path.slice(r.path.length + 1).split('/')[0] as string
      )
      assert.deepEqual(parseIntrospection(xml).children, children.sort())
      assert.equal(xml, objectXml([r.decl], children), `${r.label}: live XML equals generated XML`)
    }
    assertOnlyDeliberate(diffs)
  })
})
