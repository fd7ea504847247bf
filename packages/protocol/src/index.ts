/**
 * @module @openvpn3-ts/protocol
 * OpenVPN protocol client engine and .ovpn profile parser (no D-Bus).
 *
 * The engine connects to a stock OpenVPN 2.6 server; it reaches the OS only through the `Link`
 * (UDP/TCP) and `Tun` (IP packets) ports. See README.md for the API.
 *
 * @example
 * import { createClient, MemoryTun } from '@openvpn3-ts/protocol'
 * const tun = new MemoryTun()
 * const client = createClient({ remotes: [{ host: '192.0.2.1', port: 1194, proto: 'udp' }], ca, cert, key }, { tun })
 * client.on((e) => { if (e.type === 'connected') console.log(e.config) })
 * await client.start()
 */
export { createClient } from './session/client.js'
export type {
  ClientEvent,
  ClientPorts,
  ClientStatus,
  InputRequest,
  InputResponse,
  OpenVpnClient,
} from './session/client.js'
export type { LogLevel, TlsContextSource } from './session/connection.js'
/** TLS secure contexts made ahead of the handshake (`ClientPorts.tlsContext`). */
export { createTlsContext, type TlsClientOptions } from './tls/tls-client.js'
export { tlsClientOptions } from './session/negotiation.js'
export type {
  DnsServer,
  NetworkConfig,
  RedirectGateway,
  Route4,
  Route6,
  Topology,
} from './session/network-config.js'
export type { EngineStats } from './session/stats.js'
export {
  DEFAULT_DATA_CIPHERS,
  EngineOptionsSchema,
  resolveEngineOptions,
  type EngineOptions,
  type ResolvedEngineOptions,
} from './options.js'
export type { Link, LinkFactory, LinkProtocol, RemoteEndpoint } from './link/link.js'
export type { Tun } from './link/tun.js'
export { MemoryTun } from './link/memory-tun.js'
export { openUdpLink } from './link/udp.js'
export { openTcpLink } from './link/tcp.js'
export { defaultLinkFactory } from './link/default-link.js'
export * from './errors.js'
/** Data-channel crypto, for alternative DataCrypto implementations (`ClientPorts.dataCrypto`). */
export {
  AEAD_TAG_LENGTH,
  createDataCrypto,
  sliceKeyBlock,
  type DataCrypto,
  type DataCryptoFactory,
  type DataCryptoOptions,
  type DataKeySlices,
  type OpenedPacket,
} from './crypto/data-crypto.js'
export { cipherInfo, type CipherInfo, type DataCipherName } from './crypto/ciphers.js'
export * from './profile/index.js'
/** Maps a parsed profile (`@openvpn3-ts/protocol/profile`) onto EngineOptions (added for the backend). */
export { engineOptionsFromProfile } from './profile-mapping.js'
