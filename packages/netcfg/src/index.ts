/**
 * @module @openvpn3-ts/netcfg
 * net.openvpn.v3.netcfg service and the N-API TUN addon.
 */
export * from './tun/index.js'
