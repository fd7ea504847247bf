/**
 * @module crypto/tls-wrap
 * The control-channel protection port ("tls-wrap", spec §4): turns a logical control packet
 * (spec §3.1) into its wire form and back. Implementations: none (here), tls-auth, tls-crypt,
 * tls-crypt-v2.
 */

export type TlsWrapKind = 'none' | 'tls-auth' | 'tls-crypt' | 'tls-crypt-v2'

export interface TlsWrap {
  readonly kind: TlsWrapKind
  /** Bytes added to a logical packet on the wire (excluding a WKc). */
  readonly overhead: number
  /** Wire form of a logical packet. Each call consumes a fresh replay packet id. */
  wrap(logical: Buffer): Buffer
  /**
   * Logical form of a received wire packet. Throws AuthenticationTagError, ReplayError or
   * TruncatedPacketError; a packet that fails must be dropped silently.
   */
  unwrap(wire: Buffer): Buffer
}

export class NoTlsWrap implements TlsWrap {
  readonly kind = 'none'
  readonly overhead = 0
  wrap(logical: Buffer): Buffer {
    return logical
  }
  unwrap(wire: Buffer): Buffer {
    return wire
  }
}
