/**
 * @module @openvpn3-ts/log
 * net.openvpn.v3.log service and the shared logging layer.
 */
export {}
