/**
 * One log-forwarding proxy object `/net/openvpn/v3/log/proxy/<uuid, '-'→'l'>` (spec §8.3):
 * re-emits a session's backend `Log` (token removed, filtered by the proxy's `log_level`,
 * default 6) and `StatusChange` (unfiltered) as unicast signals to one front-end, from the
 * **session** path with interface `net.openvpn.v3.backends`. Only the receiver's UID or the
 * session manager may touch the object (`Access denied` otherwise).
 */
import {
  AccessDeniedError,
  ErrorDomain,
  ServiceError,
  checkLogLevel,
  forwardedBackendSignals,
  logCategoryPasses,
  logProxyInterface,
} from '@openvpn3-ts/dbus'
import type { ExportedObject, ServiceHost } from '@openvpn3-ts/dbus'
import { DEFAULT_PROXY_LOG_LEVEL } from './constants.js'

export interface LogProxyInit {
  path: string
  sessionPath: string
  /** receiver's unique bus name */
  target: string
  targetUid: number
  host: ServiceHost
  isSessionManager: (sender: string) => Promise<boolean>
  onRemove: (p: LogProxy) => void
}

export class LogProxy {
  readonly path: string
  readonly sessionPath: string
  readonly target: string
  level = DEFAULT_PROXY_LOG_LEVEL
  /** signals forwarded so far */
  forwarded = 0
  readonly #host: ServiceHost
  readonly #obj: ExportedObject<typeof logProxyInterface>

  constructor(init: LogProxyInit) {
    this.path = init.path
    this.sessionPath = init.sessionPath
    this.target = init.target
    this.#host = init.host
    this.#obj = init.host.export(init.path, logProxyInterface, {
      methods: {
        Remove: () => init.onRemove(this),
      },
      properties: {
        log_level: {
          get: () => this.level,
          set: (v) => {
            try {
              this.level = checkLogLevel(v)
            } catch (err) {
              throw new ServiceError(ErrorDomain.GDBUSPP, 'Invalid log level', { cause: err })
            }
          },
        },
        session_path: { get: () => this.sessionPath },
        target: { get: () => this.target },
      },
      authorize: async (_req, ctx) => {
        const { uid } = await ctx.caller()
        if (uid === init.targetUid) return
        if (await init.isSessionManager(ctx.sender)) return
        throw new AccessDeniedError('Access denied')
      },
    })
  }

  forwardLog(group: number, category: number, message: string): void {
    if (!logCategoryPasses(this.level, category)) return
    this.#emit('Log', [group, category, message])
  }

  forwardStatus(major: number, minor: number, message: string): void {
    this.#emit('StatusChange', [major, minor, message])
  }

  #emit(member: 'Log' | 'StatusChange', args: [number, number, string]): void {
    try {
      this.#host.emitSignal(this.sessionPath, forwardedBackendSignals, member, args, {
        destination: this.target,
      })
      this.forwarded++
    } catch {
      // bus gone: the service is shutting down
    }
  }

  unexport(): void {
    this.#obj.unexport()
  }
}
