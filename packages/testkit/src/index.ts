/**
 * @module @openvpn3-ts/testkit
 * Test harness: private system-like bus, service processes, network-namespace lab with a stock OpenVPN 2.6 server.
 */
export {}
