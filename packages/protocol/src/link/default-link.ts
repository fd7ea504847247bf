/**
 * @module link/default-link
 * The default LinkFactory: UDP or TCP by the remote's protocol.
 */
import type { LinkFactory } from './link.js'
import { openTcpLink } from './tcp.js'
import { openUdpLink } from './udp.js'

export const defaultLinkFactory: LinkFactory = (remote, opts) =>
  remote.proto === 'tcp' ? openTcpLink(remote, opts) : openUdpLink(remote)
