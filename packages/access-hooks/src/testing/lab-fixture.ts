/**
 * The set-up shared by the access-hooks lab tests (spec 2, management mode and script mode
 * against a stock OpenVPN 2.6 server): the namespace lab from `lab-harness.ts`, a SQLite store
 * seeded with users, the in-process `AccessDaemon` attached to the lab server's management
 * socket, tracked `openvpn` clients, and a ping through the tunnel.
 *
 * Everything a fixture starts is registered for `close()`, which undoes it in reverse order
 * (clients, daemons and stores before the lab, whose close removes namespaces, processes and
 * temp dirs), runs every step even when an earlier one fails, and is meant for `after`, so a
 * failing or timed-out test leaves nothing behind.
 */
import { strict as assert } from 'node:assert'
import { join } from 'node:path'
import { pollUntil, type LabServer } from '@openvpn3-ts/testkit'
import { parseConfig } from '../config.js'
import { AccessDaemon } from '../daemon.js'
import { loadEventsModule } from '../events-module.js'
import { silentLogger } from '../logger.js'
import { hashPassword } from '../password.js'
import { openSqliteStore } from '../store/sqlite.js'
import type { NewUser, SessionRecord, Store } from '../store/types.js'
import {
  startAccessLab,
  startClient,
  type AccessLab,
  type AccessLabOptions,
  type ClientOptions,
  type ClientRun,
} from './lab-harness.js'

/** True when the lab can run (network namespaces need root). */
export const ROOT = process.getuid?.() === 0
export const NEEDS_ROOT = 'needs root for network namespaces'

/** A user to seed: `password` is hashed with the fast ('min') Argon2id parameters. */
export type SeedUser = Omit<NewUser, 'passwordHash'> & { password: string }

/** Client options; `server` defaults to the management-mode server. */
export type LabClientOptions = Omit<ClientOptions, 'server'> & { server?: LabServer }

export interface DaemonOptions {
  /** path of a JazzVPN events module to load into the daemon */
  eventsPath?: string
}

export class LabFixture {
  #lab: AccessLab | undefined
  #store: Store | undefined
  readonly #cleanups: (() => unknown)[] = []

  /** The running lab; throws before `start()`. */
  get lab(): AccessLab {
    if (!this.#lab) throw new Error('access lab not started')
    return this.#lab
  }

  /** The store opened last by `openStore()`; throws before. */
  get store(): Store {
    if (!this.#store) throw new Error('no store opened')
    return this.#store
  }

  async start(opts: AccessLabOptions = {}): Promise<AccessLab> {
    const al = await startAccessLab(opts)
    this.#lab = al
    this.defer(() => al.close())
    return al
  }

  /** Registers `fn` to run at `close()` (last registered runs first). */
  defer(fn: () => unknown): void {
    this.#cleanups.push(fn)
  }

  /** Opens (and initialises) a SQLite store in the lab dir and adds `users`. */
  async openStore(file: string, users: SeedUser[] = []): Promise<Store> {
    const store = openSqliteStore(join(this.lab.dir, file))
    this.defer(() => store.close())
    await store.init()
    for (const { password, ...u } of users) {
      await store.addUser({ ...u, passwordHash: await hashPassword(password, 'min') })
    }
    this.#store = store
    return store
  }

  /**
   * Runs `fn` with an `AccessDaemon` (config `extra` over serverId 'lab' and the lab's management
   * socket, the fixture's store) attached and ready; stops it afterwards, and at `close()` if
   * `fn` never returns.
   */
  async withDaemon<T>(
    extra: Record<string, unknown>,
    fn: (d: AccessDaemon) => Promise<T>,
    opts: DaemonOptions = {}
  ): Promise<T> {
    const config = parseConfig(
      { serverId: 'lab', management: { socket: this.lab.sock }, ...extra },
      'daemon'
    )
    const events = opts.eventsPath
      ? await loadEventsModule(opts.eventsPath, silentLogger)
      : undefined
    const daemon = new AccessDaemon({ config, store: this.store, logger: silentLogger, events })
    let stopped: Promise<void> | undefined
    const stop = (): Promise<void> => (stopped ??= daemon.stop())
    this.defer(stop)
    daemon.start()
    try {
      await pollUntil('daemon ready', () => (daemon.ready ? true : undefined), {
        timeoutMs: 10_000,
      })
      return await fn(daemon)
    } finally {
      await stop()
    }
  }

  /** Starts a tracked `openvpn` client in the client namespace. */
  client(o: LabClientOptions): ClientRun {
    const c = startClient(this.lab, { ...o, server: o.server ?? this.lab.mgmtServer })
    this.defer(() => c.stop())
    return c
  }

  /** Starts a client, resolves its outcome ('connected', 'failed:<reason>', …), stops it. */
  async outcome(o: LabClientOptions): Promise<string> {
    const c = this.client(o)
    try {
      return await c.outcome()
    } finally {
      await c.stop()
    }
  }

  /** Pings `server`'s tunnel address from the client namespace; asserts an answer came back. */
  async ping(server: LabServer = this.lab.mgmtServer): Promise<void> {
    const lab = this.lab.lab
    const r = await lab.exec(lab.clientNs, 'ping', ['-c', '2', '-W', '2', server.tunnelServerIp])
    assert.equal(r.code, 0, r.stdout + r.stderr)
  }

  /** Waits until session `id` is ended in `store`; resolves its final row. */
  sessionEnded(id: number, timeoutMs: number, store: Store = this.store): Promise<SessionRecord> {
    return pollUntil(
      `session ${id} ended`,
      async () => {
        const r = await store.getSession(id)
        return r?.state === 'ended' ? r : undefined
      },
      { timeoutMs }
    )
  }

  /** Undoes everything, last first; every step runs; failures are rethrown afterwards. */
  async close(): Promise<void> {
    const errors: unknown[] = []
    for (const fn of this.#cleanups.splice(0).reverse()) {
      try {
        await fn()
      } catch (e) {
        errors.push(e)
      }
    }
    this.#lab = undefined
    this.#store = undefined
    if (errors.length === 1) throw errors[0]
    if (errors.length > 1) throw new AggregateError(errors, 'lab fixture cleanup failed')
  }
}
