/**
 * @module @openvpn3-ts/protocol
 * OpenVPN protocol client engine and .ovpn profile parser (no D-Bus).
 */
export {}
