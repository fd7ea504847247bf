/**
 * @module @openvpn3-ts/cli
 * openvpn3 and openvpn3-admin command-line tools.
 */
export {}
