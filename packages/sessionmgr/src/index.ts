/**
 * @module @openvpn3-ts/sessionmgr
 * net.openvpn.v3.sessions service.
 */
export {}
