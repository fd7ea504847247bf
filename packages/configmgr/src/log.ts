/**
 * Service log (spec dbus-api.md §3 options `--log-level`, §1.5 Log delivery, §2.11 payload):
 * every line goes to stderr (journal-style: the supervisor adds timestamps) when its category
 * passes the level filter, and as a `Log (uus)` signal unicast to the current owner of
 * `net.openvpn.v3.log`, sent from the manager path or a configuration object's path. Control
 * characters are removed from messages; no profile content is ever logged.
 */
import {
  BusName,
  LogCategory,
  LogGroup,
  ObjectPath,
  configurationManagerInterface,
  getNameOwner,
  logCategoryPasses,
  type DBusConnection,
  type ServiceHost,
} from '@openvpn3-ts/dbus'
import { stripControl } from './state.js'

export type Category = (typeof LogCategory)[Exclude<
  keyof typeof LogCategory,
  'table' | 'display' | 'nameOf' | 'has'
>]

export class ServiceLog {
  #host: ServiceHost | undefined
  #logOwner: string | undefined
  #unsubscribe: (() => Promise<void>) | undefined

  constructor(
    public level: number,
    private readonly write: (line: string) => void = (l) => process.stderr.write(l + '\n')
  ) {}

  /** Start sending Log signals to the log service (follows its owner changes). */
  async attach(host: ServiceHost, conn: DBusConnection): Promise<void> {
    this.#host = host
    this.#unsubscribe = await conn.signals.subscribe(
      {
        sender: 'org.freedesktop.DBus',
        interface: 'org.freedesktop.DBus',
        member: 'NameOwnerChanged',
        arg0: BusName.log,
      },
      (msg) => {
        const owner = msg.body[2]
        this.#logOwner = typeof owner === 'string' && owner !== '' ? owner : undefined
      }
    )
    this.#logOwner = await getNameOwner(conn, BusName.log)
  }

  async detach(): Promise<void> {
    this.#host = undefined
    await this.#unsubscribe?.().catch(() => undefined)
  }

  log(category: Category, message: string, path: string = ObjectPath.configuration): void {
    const text = stripControl(message)
    if (logCategoryPasses(this.level, category)) {
      this.write(`[${LogCategory.display(category) ?? category}] ${text}`)
    }
    const dest = this.#logOwner
    if (this.#host && dest) {
      try {
        this.#host.emitSignal(
          path,
          configurationManagerInterface,
          'Log',
          [LogGroup.CONFIGMGR, category, text],
          { destination: dest }
        )
      } catch {
        // the bus is going away; stderr has the line
      }
    }
  }

  debug(m: string, path?: string) {
    this.log(LogCategory.DEBUG, m, path)
  }
  verb(m: string, path?: string) {
    this.log(LogCategory.VERB1, m, path)
  }
  info(m: string, path?: string) {
    this.log(LogCategory.INFO, m, path)
  }
  warn(m: string, path?: string) {
    this.log(LogCategory.WARN, m, path)
  }
  error(m: string, path?: string) {
    this.log(LogCategory.ERROR, m, path)
  }
}
