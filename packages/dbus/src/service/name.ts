/**
 * Owning well-known bus names. `requestName` fails clearly when the name is taken (we
 * never queue) or the bus policy denies it (spec §9.1 decides who may own what).
 */
import type { DBusConnection } from '../bus.js'
import { DBusCallError, StdError } from '../errors.js'

const DO_NOT_QUEUE = 4
const PRIMARY_OWNER = 1
const ALREADY_OWNER = 4

/** Another connection owns the name. */
export class NameTakenError extends Error {
  override readonly name = 'NameTakenError'
  constructor(readonly busName: string) {
    super(`bus name ${busName} is already owned by another connection`)
  }
}

/** The bus policy does not let us own the name. */
export class NameDeniedError extends Error {
  override readonly name = 'NameDeniedError'
  constructor(
    readonly busName: string,
    options?: { cause?: unknown }
  ) {
    super(
      `the bus policy does not allow this process (uid ${process.getuid?.()}) to own ${busName}`,
      options
    )
  }
}

/** Own `name` or throw NameTakenError / NameDeniedError. */
export async function requestName(conn: DBusConnection, name: string): Promise<void> {
  let code: unknown
  try {
    const r = await conn.callDaemon('RequestName', 'su', [name, DO_NOT_QUEUE])
    code = r.body[0]
  } catch (err) {
    if (err instanceof DBusCallError && err.errorName === StdError.AccessDenied) {
      throw new NameDeniedError(name, { cause: err })
    }
    throw err
  }
  if (code === PRIMARY_OWNER || code === ALREADY_OWNER) return
  throw new NameTakenError(name)
}

/** Give a name back (ignores names we do not own). */
export async function releaseName(conn: DBusConnection, name: string): Promise<void> {
  if (conn.isClosed) return
  await conn.callDaemon('ReleaseName', 's', [name])
}
