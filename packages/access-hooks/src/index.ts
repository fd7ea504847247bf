/**
 * @module @openvpn3-ts/access-hooks
 * Server-side access hooks for OpenVPN 2.6 via the management interface.
 */
export {}
