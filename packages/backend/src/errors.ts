/**
 * Error classes of the backend starter and client process (style rule 8). D-Bus-visible
 * failures are `ServiceError`s with upstream's exact domain and text (spec §1.4, §6.3); these
 * classes cover local failures (bad command line, profile evaluation, netcfg hand-over).
 */

/** Bad command line or option value. */
export class BackendUsageError extends Error {
  override readonly name = 'BackendUsageError'
}

/** The configuration profile could not be fetched or evaluated (spec §6.6). */
export class ProfileEvaluationError extends Error {
  override readonly name = 'ProfileEvaluationError'
}

/** netcfg refused a step of the TUN set-up or Establish returned no fd (spec §7.4). */
export class TunSetupError extends Error {
  override readonly name = 'TunSetupError'
}

/** The session manager is not on the bus, so nobody can be registered with. */
export class NoSessionManagerError extends Error {
  override readonly name = 'NoSessionManagerError'
}

/** The batched UDP transport could not resolve or connect to the remote, or failed later. */
export class UdpLinkError extends Error {
  override readonly name = 'UdpLinkError'
}
