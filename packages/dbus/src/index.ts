/**
 * @module @openvpn3-ts/dbus
 * The D-Bus contract: declarations, typed proxies, service kit, generators.
 */
export {}
