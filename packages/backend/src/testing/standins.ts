/**
 * Test fixture: a stand-in session manager and configuration manager on one bus connection,
 * enough for a backend client (spec §6.2): owns `net.openvpn.v3.sessions` and
 * `net.openvpn.v3.configuration`, serves configuration objects with `name`, `dco`,
 * `overrides` and `Fetch` (single-use objects vanish on Fetch), records the backend's unicast
 * signals, and calls the backend as the session manager would.
 */
import {
  BusName,
  DBusConnection,
  InterfaceName,
  ObjectPath,
  type ObjectImpl,
  ServiceHost,
  Variant,
  backendClientInterface,
  configurationObjectInterface,
  newBackendToken,
  newConfigurationPath,
  newSessionPath,
  proxy,
  requestName,
} from '@openvpn3-ts/dbus'
import type { VariantValue } from '@openvpn3-ts/dbus'
import { pkiMaterial } from '@openvpn3-ts/testkit'

export interface Recorded {
  member: string
  sender: string
  args: unknown[]
}

export interface ProfileInit {
  overrides?: Record<string, string | boolean>
  singleUse?: boolean
  dco?: boolean
}

export class StandIns {
  readonly signals: Recorded[] = []
  #waiters = new Set<() => void>()
  fetchCount = 0

  private constructor(
    readonly conn: DBusConnection,
    readonly host: ServiceHost
  ) {}

  /** `configuration: false` leaves the configuration manager to the real service. */
  static async start(address: string, opts: { configuration?: boolean } = {}): Promise<StandIns> {
    const conn = await DBusConnection.connect({ address, callTimeoutMs: 15_000 })
    const host = new ServiceHost(conn)
    const s = new StandIns(conn, host)
    await conn.signals.subscribe(
      { interface: InterfaceName.backends, path: ObjectPath.backendSession },
      (msg) => {
        s.signals.push({ member: msg.member ?? '', sender: msg.sender ?? '', args: msg.body })
        for (const w of [...s.#waiters]) w()
      }
    )
    await requestName(conn, BusName.sessions)
    if (opts.configuration ?? true) await requestName(conn, BusName.configuration)
    return s
  }

  /** Serves a configuration object; returns its path. */
  addProfile(name: string, text: string, init: ProfileInit = {}): string {
    const path = newConfigurationPath()
    const overrides: Record<string, VariantValue> = {}
    for (const [k, v] of Object.entries(init.overrides ?? {})) {
      overrides[k] = new Variant(typeof v === 'string' ? 's' : 'b', v)
    }
    const notImplemented = () => {
      throw new Error('not implemented in the stand-in')
    }
    const methods = Object.fromEntries(
      Object.keys(configurationObjectInterface.methods).map((m) => [m, notImplemented])
    )
    const properties = Object.fromEntries(
      Object.keys(configurationObjectInterface.properties).map((p) => [
        p,
        { get: notImplemented, set: notImplemented },
      ])
    )
    const impl = {
      methods: {
        ...methods,
        Fetch: () => {
          this.fetchCount += 1
          if (init.singleUse) setImmediate(() => obj.unexport())
          return text
        },
      },
      properties: {
        ...properties,
        name: { get: () => name, set: notImplemented },
        dco: { get: () => init.dco ?? false, set: notImplemented },
        overrides: { get: () => overrides },
      },
    } as unknown as ObjectImpl<typeof configurationObjectInterface>
    const obj = this.host.export(path, configurationObjectInterface, impl)
    return path
  }

  /** Proxy to a backend's object, called from the session manager's connection. */
  backend(busName: string) {
    return backendProxy(this.conn, busName)
  }

  /** Waits until `pick` finds something in the recorded signals. */
  async waitFor<T>(what: string, pick: (s: Recorded[]) => T | undefined, ms = 10_000): Promise<T> {
    const found = pick(this.signals)
    if (found !== undefined) return found
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const r = pick(this.signals)
        if (r !== undefined) {
          clearTimeout(timer)
          this.#waiters.delete(check)
          resolve(r)
        }
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        const seen = this.signals.map((x) => `${x.member}${JSON.stringify(x.args)}`).join('\n  ')
        reject(new Error(`timed out waiting for ${what}; signals so far:\n  ${seen}`))
      }, ms)
      this.#waiters.add(check)
    })
  }

  /** Waits for a StatusChange (major, minor) and returns its message. */
  waitStatus(major: number, minor: number, ms = 10_000): Promise<string> {
    return this.waitFor(
      `StatusChange(${major},${minor})`,
      (all) =>
        all.find((x) => x.member === 'StatusChange' && x.args[0] === major && x.args[1] === minor)
          ?.args[2] as string | undefined,
      ms
    )
  }

  statuses(): [number, number, string][] {
    return this.signals
      .filter((x) => x.member === 'StatusChange')
      .map((x) => x.args as [number, number, string])
  }

  async close(): Promise<void> {
    this.host.close()
    await this.conn.close().catch(() => undefined)
  }
}

export { newBackendToken, newSessionPath }

/** Proxy to a backend's object from any connection. */
export function backendProxy(conn: DBusConnection, busName: string) {
  return proxy(conn, busName, ObjectPath.backendSession, backendClientInterface)
}

/** A lab-style client profile (server address/port given), from the testkit PKI. */
export async function labProfile(opts: {
  remote?: string
  port?: number
  lines?: string[]
}): Promise<string> {
  const pem = await pkiMaterial()
  const block = (tag: string, body: string) => `<${tag}>\n${body.trim()}\n</${tag}>`
  return [
    'client',
    'dev tun',
    `remote ${opts.remote ?? '192.0.2.1'} ${opts.port ?? 1194} udp`,
    'nobind',
    'remote-cert-tls server',
    ...(opts.lines ?? []),
    block('ca', pem.caCert),
    block('cert', pem.clientCert),
    block('key', pem.clientKey),
    '',
  ].join('\n')
}
