/**
 * Preparing the engine once the profile is known (issue 6, our addition; spec §6.2 step 5 has
 * fetched and evaluated the profile at RegistrationConfirmation). Work that Connect and the
 * handshake would otherwise do on the connect path runs in the background between
 * registration and Connect:
 *  - the native AEAD module is imported and self-checked (native-aead.ts; its log line, if
 *    any, is still written at engine start);
 *  - the TLS secure context (CA store, client certificate and key) is built from the profile's
 *    options, handed to the engine through `ClientPorts.tlsContext`;
 *  - the TUN/UDP addon used by the transport socket is loaded.
 * Nothing here depends on user input: a profile whose key is encrypted gets no prepared context
 * (the passphrase comes later), and the engine is only given the context for exactly the TLS
 * options it was made for. Preparation never fails: whatever goes wrong here is left for the
 * engine to meet and report at Connect, as without preparation. When Connect comes before the
 * TLS context was started, it is built once the transport is open instead (the handshake only
 * needs it when the server's first answer arrives), so the first packet is not held up.
 */
import type { SecureContext } from 'node:tls'
import { loadTunAddon } from '@openvpn3-ts/netcfg/tun'
import type * as ProtocolModule from '@openvpn3-ts/protocol'
import type { TlsClientOptions, TlsContextSource } from '@openvpn3-ts/protocol'
import { loadNativeAead } from './native-aead.js'
import type { EvaluatedProfile } from './profile-eval.js'

const turn = () => new Promise<void>((r) => setImmediate(r))

/**
 * Equal TLS options: both come from the engine's `tlsClientOptions` (same key order; strings,
 * string arrays and plain objects only), so their JSON texts compare them.
 */
function sameOptions(options: TlsClientOptions, prepared: string): boolean {
  return JSON.stringify(options) === prepared
}

/** Longest wait for the connect path before the remaining steps run anyway. */
const HOLD_MAX_MS = 1000

export class EnginePrep {
  #tls: { options: string; context: SecureContext } | undefined
  /** set once the engine asked for a context: building one after that is of no use */
  #asked = false
  /** the connect path runs: steps not yet started wait for this */
  #hold: Promise<void> | undefined
  /** Settles when every step ran (never rejects). */
  readonly done: Promise<void>

  /**
   * Starts preparing on the next turn of the event loop (so a reply being sent is not held up).
   * `protocol` is the engine module (loaded lazily by the client).
   */
  constructor(
    private readonly protocol: Pick<
      typeof ProtocolModule,
      'createTlsContext' | 'resolveEngineOptions' | 'tlsClientOptions'
    >,
    private readonly profile: EvaluatedProfile
  ) {
    this.done = this.#run().catch(() => undefined)
  }

  /** The engine's `ClientPorts.tlsContext`: the prepared context when made for `options`. */
  readonly tlsContext: TlsContextSource = (options) => {
    this.#asked = true
    const t = this.#tls
    return t && sameOptions(options, t.options) ? t.context : undefined
  }

  /**
   * The engine is starting: steps not yet begun wait until `until` settles (the transport is
   * open and the first packet on its way), so they do not delay it.
   */
  holdUntil(until: Promise<void>): void {
    // bounded: an engine that never opens a transport does not stall the preparation
    const bound = new Promise<void>((r) => setTimeout(r, HOLD_MAX_MS).unref())
    this.#hold = Promise.race([until, bound])
  }

  /** True once a context was made ahead (tests, benchmarks). */
  get hasTlsContext(): boolean {
    return this.#tls !== undefined
  }

  async #run(): Promise<void> {
    await turn()
    await loadNativeAead()
    await this.#turn()
    if (!this.#asked && !this.profile.keyEncrypted) this.#tls = this.#makeTlsContext()
    await this.#turn()
    try {
      loadTunAddon()
    } catch {
      // the transport socket reports it when it is opened
    }
  }

  /** One turn of the event loop, and the wait for the connect path if it runs. */
  async #turn(): Promise<void> {
    await turn()
    if (this.#hold) await this.#hold
  }

  #makeTlsContext(): { options: string; context: SecureContext } | undefined {
    const p = this.protocol
    try {
      const options = p.tlsClientOptions(p.resolveEngineOptions(this.profile.options))
      return { options: JSON.stringify(options), context: p.createTlsContext(options) }
    } catch {
      // bad PEM, key mismatch …: the engine builds its own context and fails as before
      return undefined
    }
  }
}
