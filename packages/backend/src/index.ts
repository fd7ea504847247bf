/**
 * @module @openvpn3-ts/backend
 * net.openvpn.v3.backends starter and per-tunnel client process.
 */
export {}
