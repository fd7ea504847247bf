/**
 * @module @openvpn3-ts/netcfg/tun
 * The TUN addon's TypeScript face: open or adopt a TUN fd, batched reads and writes.
 */
export {
  TunDevice,
  TunClosedError,
  DEFAULT_READ_BATCH,
  DEFAULT_READ_BUFFER,
  type TunReadInit,
  type TunReadHandlers,
} from './tun-device.js'
export { UdpSocket, type UdpReadHandlers } from './udp-socket.js'
export { loadTunAddon, TunAddonLoadError, type TunAddon } from './native.js'
