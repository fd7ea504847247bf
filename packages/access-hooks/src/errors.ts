/**
 * Error classes of the access-hooks package (style rule 8: named, with cause, quoting the value).
 */

export class AccessHooksError extends Error {
  override name = 'AccessHooksError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

/** A command line or token would exceed the server's parser limits (spec 2.2). */
export class CommandTooLongError extends AccessHooksError {
  override name = 'CommandTooLongError'
}

/** A value given for a command is not acceptable (e.g. CID not an unsigned decimal). */
export class InvalidCommandArgumentError extends AccessHooksError {
  override name = 'InvalidCommandArgumentError'
}

/** The management connection is not attached or was lost while a command was outstanding. */
export class ManagementDisconnectedError extends AccessHooksError {
  override name = 'ManagementDisconnectedError'
}

/** The server answered a command with ERROR: … */
export class ManagementCommandError extends AccessHooksError {
  override name = 'ManagementCommandError'
}

/** The server did not answer a command in time. */
export class ManagementTimeoutError extends AccessHooksError {
  override name = 'ManagementTimeoutError'
}

/** Management password refused. */
export class ManagementAuthError extends AccessHooksError {
  override name = 'ManagementAuthError'
}

/** The configuration has problems; `issues` lists every one. */
export class ConfigError extends AccessHooksError {
  override name = 'ConfigError'
  constructor(
    readonly issues: readonly string[],
    options?: { cause?: unknown }
  ) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`, options)
  }
}

/** A store operation failed. */
export class StoreError extends AccessHooksError {
  override name = 'StoreError'
}

/** A user already exists / does not exist. */
export class UserNotFoundError extends AccessHooksError {
  override name = 'UserNotFoundError'
}
export class UserExistsError extends AccessHooksError {
  override name = 'UserExistsError'
}

/** The events module could not be loaded or a callback failed. */
export class EventsModuleError extends AccessHooksError {
  override name = 'EventsModuleError'
}
