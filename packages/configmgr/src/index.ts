/**
 * @module @openvpn3-ts/configmgr
 * net.openvpn.v3.configuration service.
 */
export {}
