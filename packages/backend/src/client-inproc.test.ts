/**
 * The backend object in-process with a scripted engine (spec §6.5, §6.6): the slots and
 * notifications for what only a special server would ask — dynamic challenge (CRV1), CR_TEXT
 * pending auth (answer sent at once), web authentication (OPEN_URL, `Pending web
 * authentication`), an encrypted private key (PK_PASSPHRASE handed to the engine). Connect with
 * a stand-in netcfg whose Cleanup is slow (issue 6): Connect replies at once (Cleanup sent, not
 * awaited), the engine's first packet goes out before the connect path's signals, the device
 * is created only after Cleanup's reply, and the engine gets the TLS context prepared at
 * registration.
 * Real bus, stand-in session manager; the engine is a fake behind the `createEngine` seam.
 */
import { strict as assert } from 'node:assert'
import { createPrivateKey } from 'node:crypto'
import { createSocket } from 'node:dgram'
import { after, before, describe, test } from 'node:test'
import {
  BusName,
  DBusCallError,
  DBusConnection,
  ErrorDomain,
  ObjectPath,
  ServiceError,
  ServiceHost,
  StatusMajor,
  StatusMinor,
  netcfgManagerInterface,
  requestName,
} from '@openvpn3-ts/dbus'
import type {
  ClientEvent,
  ClientPorts,
  EngineOptions,
  InputResponse,
  NetworkConfig,
  OpenVpnClient,
} from '@openvpn3-ts/protocol'
import { type TestBus, pkiMaterial, startBus } from '@openvpn3-ts/testkit'
import { BackendLog } from './backend-log.js'
import { BackendClient, loadEngineModules } from './client.js'
import { StandIns, labProfile, newBackendToken, newSessionPath } from './testing/standins.js'

/** A scripted engine: records what it was given and emits what the test says. */
class FakeEngine implements OpenVpnClient {
  readonly inputs: InputResponse[] = []
  #listeners = new Set<(e: ClientEvent) => void>()
  status = 'disconnected' as const
  readonly done = new Promise<undefined>(() => undefined)
  constructor(
    readonly options: EngineOptions,
    readonly ports?: ClientPorts
  ) {}
  emit(e: ClientEvent): void {
    for (const l of this.#listeners) l(e)
  }
  on(l: (e: ClientEvent) => void): () => void {
    this.#listeners.add(l)
    return () => this.#listeners.delete(l)
  }
  async start(): Promise<void> {
    this.emit({ type: 'status', status: 'connecting', message: 'udp://192.0.2.1:1194' })
  }
  async stop(): Promise<void> {
    this.emit({ type: 'disconnected' })
  }
  async pause(): Promise<void> {}
  async resume(): Promise<void> {}
  provideInput(input: InputResponse): void {
    this.inputs.push(input)
  }
  events(): AsyncIterableIterator<ClientEvent> {
    throw new Error('not used')
  }
  stats() {
    return {
      bytesIn: 0,
      bytesOut: 0,
      packetsIn: 0,
      packetsOut: 0,
      tunBytesIn: 0,
      tunBytesOut: 0,
      tunPacketsIn: 0,
      tunPacketsOut: 0,
      decryptErrors: 0,
      replayErrors: 0,
      controlDrops: 0,
      renegotiations: 0,
      reconnects: 0,
    }
  }
}

async function rejectsWith(p: Promise<unknown>, domain: string, text: string): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof DBusCallError)
    assert.equal(err.domain, domain)
    assert.equal(err.text, text)
    return true
  })
}

void describe('backend object with a scripted engine', () => {
  let bus: TestBus
  let sm: StandIns
  let conn: DBusConnection
  let client: BackendClient
  let engine: FakeEngine | undefined
  const token = newBackendToken()

  before(async () => {
    bus = await startBus()
    sm = await StandIns.start(bus.address)
    conn = await DBusConnection.connect({ address: bus.address })
    const host = new ServiceHost(conn)
    client = new BackendClient(
      { token },
      {
        conn,
        host,
        log: new BackendLog({ token }),
        createEngine: (options) => (engine = new FakeEngine(options)),
      }
    )
    await client.start()
    await requestName(conn, client.busName)
    await client.register()
  })
  after(async () => {
    await client?.stop().catch(() => undefined)
    await conn?.close()
    await sm?.close()
    await bus?.stop()
  })

  const waitSignal = (member: string, args: unknown[]) =>
    sm.waitFor(`${member}${JSON.stringify(args)}`, (all) =>
      all.find((s) => s.member === member && JSON.stringify(s.args) === JSON.stringify(args))
    )

  void test(
    'encrypted key → PK_PASSPHRASE; dynamic challenge; CR_TEXT; web auth',
    { timeout: 30_000 },
    async () => {
      const pem = await pkiMaterial()
      const encrypted = createPrivateKey(pem.clientKey).export({
        format: 'pem',
        type: 'pkcs8',
        cipher: 'aes-256-cbc',
        passphrase: 'key-Passphrase-1',
      })
      const profile = (await labProfile({})).replace(
        /<key>[\s\S]*<\/key>/,
        `<key>\n${String(encrypted).trim()}\n</key>`
      )
      const config = sm.addProfile('enc', profile)
      const be = sm.backend(client.busName)
      assert.equal(await be.RegistrationConfirmation(token, newSessionPath(), config), 'enc')
      await waitSignal('AttentionRequired', [1, 3, 'Private key passphrase needed'])
      await waitSignal('StatusChange', [2, 4, 'Private key passphrase needed to connect'])
      assert.deepEqual(await be.UserInputQueueFetch(1, 3, 0), [
        1,
        3,
        0,
        'pk_passphrase',
        'Private key passphrase',
        true,
      ])
      await rejectsWith(be.Connect(), ErrorDomain.CLIENT, 'Required user input not provided')
      await be.UserInputProvide(1, 3, 0, 'key-Passphrase-1')
      await be.Ready()
      await be.Connect()
      await waitSignal('StatusChange', [2, StatusMinor.CONN_CONNECTING, ''])
      assert.ok(engine)
      assert.equal(engine.options.keyPassphrase, 'key-Passphrase-1')

      // dynamic challenge (CRV1 after AUTH_FAILED): slot + answered cookie, answer on Connect
      engine.emit({
        type: 'needs-input',
        request: {
          kind: 'dynamic-challenge',
          text: 'Enter OTP',
          echo: false,
          responseRequired: true,
        },
      })
      await waitSignal('AttentionRequired', [1, 5, 'Enter OTP'])
      await waitSignal('StatusChange', [2, 4, 'Dynamic Challenge'])
      assert.deepEqual(await be.UserInputQueueGetTypeGroup(), [[1, 5]])
      assert.deepEqual(await be.UserInputQueueCheck(1, 5), [0])
      assert.deepEqual(await be.UserInputQueueFetch(1, 5, 0), [
        1,
        5,
        0,
        'dynamic_challenge',
        'Enter OTP',
        true,
      ])
      await rejectsWith(be.Ready(), ErrorDomain.READY, 'Missing user credentials')
      await be.UserInputProvide(1, 5, 0, '123456')
      await be.Ready()
      await be.Connect()
      assert.deepEqual(engine.inputs.at(-1), { challengeResponse: '123456' })

      // CR_TEXT pending auth: answering the slot sends the response at once
      engine.emit({
        type: 'needs-input',
        request: { kind: 'cr-text', text: 'Enter code', echo: true, responseRequired: true },
      })
      await waitSignal('AttentionRequired', [1, 6, 'Enter code'])
      await waitSignal('StatusChange', [2, 4, 'Enter code'])
      assert.deepEqual(await be.UserInputQueueFetch(1, 6, 0), [
        1,
        6,
        0,
        'auth_pending',
        'Enter code',
        false,
      ])
      await be.UserInputProvide(1, 6, 0, 'abc')
      assert.deepEqual(engine.inputs.at(-1), { challengeResponse: 'abc' })

      // web authentication: OPEN_URL attention, SESSION/SESS_AUTH_URL, Ready refuses
      const url = 'https://auth.example/login?s=1'
      engine.emit({ type: 'needs-input', request: { kind: 'open-url', url, flags: '' } })
      await waitSignal('AttentionRequired', [1, 9, url])
      await waitSignal('StatusChange', [StatusMajor.SESSION, StatusMinor.SESS_AUTH_URL, url])
      await rejectsWith(be.Ready(), ErrorDomain.READY, 'Pending web authentication')

      // secrets stayed out of the Log signals
      const logs = sm.signals.filter((s) => s.member === 'Log').map((s) => String(s.args[3]))
      for (const secret of ['key-Passphrase-1', '123456']) {
        assert.ok(!logs.some((l) => l.includes(secret)))
      }
    }
  )
})

/** A stand-in netcfg: Cleanup takes `cleanupMs`; CreateVirtualInterface is refused. */
async function standInNetcfg(address: string, cleanupMs: number) {
  const conn = await DBusConnection.connect({ address })
  const host = new ServiceHost(conn)
  const events: string[] = []
  const unused = () => {
    throw new ServiceError(ErrorDomain.NETCFG, 'not in this stand-in')
  }
  host.export(ObjectPath.netcfg, netcfgManagerInterface, {
    methods: {
      Cleanup: async () => {
        events.push('Cleanup')
        await new Promise((r) => setTimeout(r, cleanupMs))
        events.push('Cleanup reply')
      },
      CreateVirtualInterface: () => {
        events.push('CreateVirtualInterface')
        throw new ServiceError(ErrorDomain.NETCFG, 'no devices in this stand-in')
      },
      ProtectSocket: () => true,
      FetchInterfaceList: unused,
      DcoAvailable: () => false,
      NotificationSubscribe: unused,
      NotificationUnsubscribe: unused,
      NotificationSubscriberList: unused,
    },
    properties: {
      config_file: { get: () => '' },
      global_dns_search: { get: () => [] },
      global_dns_servers: { get: () => [] },
      log_level: { get: () => 3, set: () => undefined },
      version: { get: () => 'stand-in' },
    },
  })
  await requestName(conn, BusName.netcfg)
  return {
    events,
    close: async () => {
      host.close()
      await conn.close()
    },
  }
}

const PUSHED: NetworkConfig = {
  topology: 'subnet',
  ifconfig: { local: '198.18.0.2', remoteOrNetmask: '255.255.255.0' },
  routes: [],
  routesIpv6: [],
  blockIpv6: false,
  dnsServers: [],
  searchDomains: [],
  dns: [],
  tunMtu: 1500,
  ignored: [],
}

void describe('Connect with a slow netcfg Cleanup', () => {
  let bus: TestBus
  let sm: StandIns
  let netcfg: Awaited<ReturnType<typeof standInNetcfg>>
  let conn: DBusConnection
  let client: BackendClient
  let engine: FakeEngine | undefined
  let configured: Promise<unknown> | undefined
  const token = newBackendToken()
  const CLEANUP_MS = 1500
  /** what the backend sent, in order: the engine's packet, StatusChange minors, netcfg calls */
  const sent: string[] = []
  const server = createSocket('udp4')

  before(async () => {
    bus = await startBus()
    sm = await StandIns.start(bus.address)
    netcfg = await standInNetcfg(bus.address, CLEANUP_MS)
    await new Promise<void>((r) => server.bind(0, '127.0.0.1', r))
    const remote = { host: '127.0.0.1', port: server.address().port, proto: 'udp' as const }
    conn = await DBusConnection.connect({ address: bus.address })
    const send = conn.send.bind(conn)
    conn.send = (msg) => {
      if (msg.member === 'StatusChange') sent.push(`StatusChange ${String(msg.body[1])}`)
      else if (msg.member === 'Log') sent.push(`Log ${String(msg.body[3])}`)
      send(msg)
    }
    const call = conn.call.bind(conn)
    conn.call = (req) => {
      if (req.member === 'Cleanup' || req.member === 'CreateVirtualInterface') {
        sent.push(req.member)
      }
      return call(req)
    }
    client = new BackendClient(
      { token },
      {
        conn,
        host: new ServiceHost(conn),
        log: new BackendLog({ token }),
        createEngine: (options, ports) => {
          const e = new FakeEngine(options, ports)
          engine = e
          // like the engine: open the transport, send the first packet, and (as after the
          // push) configure the TUN through netcfg
          e.on((ev) => {
            if (ev.type !== 'status' || ev.status !== 'connecting' || !ports.link) return
            configured = ports
              .link(remote, {})
              .then((link) => {
                sent.push('packet')
                link.send(Buffer.from('first'))
                return ports.tun.configure(PUSHED).finally(() => void link.close())
              })
              .catch((err: unknown) => err)
          })
          return e
        },
      }
    )
    await client.start()
    await requestName(conn, client.busName)
    await client.register()
  })
  after(async () => {
    await client?.stop().catch(() => undefined)
    await conn?.close()
    await netcfg?.close()
    server.close()
    await sm?.close()
    await bus?.stop()
  })

  void test(
    'Connect replies before Cleanup; the device comes after it; prepared TLS context',
    { timeout: 30_000 },
    async () => {
      const config = sm.addProfile('cert', await labProfile({}))
      const be = sm.backend(client.busName)
      await be.RegistrationConfirmation(token, newSessionPath(), config)
      const prep = await client.prepared()
      assert.ok(prep?.hasTlsContext, 'TLS context made ahead at registration')
      await be.Ready()
      const t0 = performance.now()
      await be.Connect()
      const connectMs = performance.now() - t0
      assert.ok(connectMs < CLEANUP_MS / 2, `Connect took ${Math.round(connectMs)} ms`)
      assert.ok(!netcfg.events.includes('Cleanup reply'), 'Cleanup not done at the reply')

      // the engine got the prepared context for its own TLS options
      const tlsContext = engine?.ports?.tlsContext
      assert.ok(engine && tlsContext)
      const [, protocol] = await loadEngineModules()
      const tls = protocol.tlsClientOptions(protocol.resolveEngineOptions(engine.options))
      assert.ok(tlsContext(tls), 'prepared context offered to the engine')

      // the device is only created once Cleanup has answered (it cannot remove the new one)
      await new Promise((r) => setTimeout(r, 100))
      assert.ok(configured, 'engine configured the TUN')
      const err = await configured
      assert.ok(err instanceof Error, 'stand-in refused the device')
      assert.deepEqual(netcfg.events, ['Cleanup', 'Cleanup reply', 'CreateVirtualInterface'])
      // Cleanup went out at once; the first packet before the connect path's signals
      const connecting = `StatusChange ${StatusMinor.CONN_CONNECTING}`
      const at = (what: string) => sent.indexOf(what)
      assert.ok(at('packet') >= 0 && at(connecting) >= 0 && at('Cleanup') >= 0, sent.join(', '))
      assert.ok(at('Cleanup') < at('packet'), sent.join(', '))
      assert.ok(at('packet') < at(connecting), sent.join(', '))

      // an engine log line goes out after the netcfg call the engine makes in the same turn
      sent.length = 0
      const ports = engine.ports
      assert.ok(ports)
      engine.emit({ type: 'log', level: 'info', message: 'pushed config: again' })
      const again = await ports.tun.configure(PUSHED).catch((e: unknown) => e)
      assert.ok(again instanceof Error)
      await new Promise((r) => setTimeout(r, 100))
      const log = sent.findIndex((x) => x.startsWith('Log ') && x.includes('pushed config: again'))
      assert.ok(log >= 0, sent.join(', '))
      assert.ok(sent.indexOf('CreateVirtualInterface') < log, sent.join(', '))
    }
  )
})
