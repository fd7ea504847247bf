/**
 * @module errors
 * Error classes of the protocol engine, one per failure mode. Compare by `name` (or `code`),
 * never by message text. Messages never contain key material or passwords.
 */

export interface ErrorOptionsWithCause {
  cause?: unknown
}

/** Base class: every error thrown by this package extends it. */
export class ProtocolError extends Error {
  override name = 'ProtocolError'
  readonly code: string = 'PROTOCOL'
  constructor(message: string, options?: ErrorOptionsWithCause) {
    super(message, options)
  }
}

/** A packet or message is shorter than its layout requires (spec §3.1, §13). */
export class TruncatedPacketError extends ProtocolError {
  override name = 'TruncatedPacketError'
  override readonly code = 'TRUNCATED'
}

/** A packet field holds a value the layout does not allow (bad opcode, ack count > 8, …). */
export class MalformedPacketError extends ProtocolError {
  override name = 'MalformedPacketError'
  override readonly code = 'MALFORMED'
}

/** The TCP stream decoder exceeded its packet-size or backlog cap (spec §1). */
export class FramingLimitError extends ProtocolError {
  override name = 'FramingLimitError'
  override readonly code = 'FRAMING_LIMIT'
}

/** HMAC / AEAD tag check failed (tls-auth, tls-crypt, data channel). */
export class AuthenticationTagError extends ProtocolError {
  override name = 'AuthenticationTagError'
  override readonly code = 'BAD_TAG'
}

/** A packet id was seen before or is too old (spec §4.1, §13.5). */
export class ReplayError extends ProtocolError {
  override name = 'ReplayError'
  override readonly code = 'REPLAY'
}

/** A key file (static key, tls-crypt-v2 client key) could not be parsed (spec §5.3, §7.1). */
export class KeyFileError extends ProtocolError {
  override name = 'KeyFileError'
  override readonly code = 'KEY_FILE'
}

/** An unsupported or unknown cipher/digest name. */
export class UnsupportedCipherError extends ProtocolError {
  override name = 'UnsupportedCipherError'
  override readonly code = 'UNSUPPORTED_CIPHER'
}

/** The data packet id would wrap (spec §13.2): the key must be renegotiated. */
export class PacketIdExhaustedError extends ProtocolError {
  override name = 'PacketIdExhaustedError'
  override readonly code = 'PACKET_ID_EXHAUSTED'
}

/** The server certificate failed a check (CA, EKU, verify-x509-name, fingerprint; spec §9). */
export class CertificateVerifyError extends ProtocolError {
  override name = 'CertificateVerifyError'
  override readonly code = 'CERT_VERIFY'
}

/** The TLS handshake failed for another reason (alert, version, cipher). */
export class TlsHandshakeError extends ProtocolError {
  override name = 'TlsHandshakeError'
  override readonly code = 'TLS_HANDSHAKE'
}

/** The server refused the credentials (AUTH_FAILED, spec §17.6). */
export class AuthFailedError extends ProtocolError {
  override name = 'AuthFailedError'
  override readonly code = 'AUTH_FAILED'
  constructor(
    readonly reason: string,
    options?: ErrorOptionsWithCause
  ) {
    super(reason ? `authentication failed: ${reason}` : 'authentication failed', options)
  }
}

/** A step did not finish in time (no server reply, hand-window, push reply). */
export class HandshakeTimeoutError extends ProtocolError {
  override name = 'HandshakeTimeoutError'
  override readonly code = 'TIMEOUT'
}

/** The server pushed something the client cannot use (cipher, compression; spec §12.4, §14). */
export class PushOptionError extends ProtocolError {
  override name = 'PushOptionError'
  override readonly code = 'PUSH_OPTION'
}

/** The transport failed (socket error, connection refused, peer closed TCP). */
export class LinkError extends ProtocolError {
  override name = 'LinkError'
  override readonly code = 'LINK'
}

/** Every remote was tried the configured number of times without success. */
export class ConnectAttemptsExhaustedError extends ProtocolError {
  override name = 'ConnectAttemptsExhaustedError'
  override readonly code = 'ATTEMPTS_EXHAUSTED'
}

/** Engine options failed validation. */
export class InvalidOptionsError extends ProtocolError {
  override name = 'InvalidOptionsError'
  override readonly code = 'INVALID_OPTIONS'
}

/** The server told the client to stop (HALT) or the engine was stopped. */
export class HaltError extends ProtocolError {
  override name = 'HaltError'
  override readonly code = 'HALT'
}
