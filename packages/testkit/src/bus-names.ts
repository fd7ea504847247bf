/**
 * @module bus-names
 * Waiting for a well-known name to gain (or lose) its owner on a test bus, through the bus
 * driver's NameHasOwner call (D-Bus specification, "Message Bus Messages").
 */
import * as dbus from 'dbus-next'
import { pollUntil, withTimeout } from './wait.js'

async function nameHasOwner(conn: dbus.MessageBus, name: string): Promise<boolean> {
  const reply = await conn.call(
    new dbus.Message({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'NameHasOwner',
      signature: 's',
      body: [name],
    })
  )
  return reply?.body[0] === true
}

/**
 * Resolves once `name` has (`owned: true`, default) or has no (`owned: false`) owner on the bus
 * at `busAddress`. `abort` is checked before each poll: a returned Error rejects at once.
 */
export async function waitForBusName(
  busAddress: string,
  name: string,
  opts: {
    timeoutMs?: number
    owned?: boolean
    abort?: () => Error | undefined
    describe?: () => string
  } = {}
): Promise<void> {
  const want = opts.owned ?? true
  const conn = dbus.sessionBus({ busAddress })
  let connError: Error | undefined
  conn.on('error', (err: unknown) => {
    connError = err instanceof Error ? err : new Error(String(err))
  })
  try {
    await pollUntil(
      `bus name ${name} to be ${want ? 'owned' : 'released'}`,
      async () =>
        (await withTimeout(`NameHasOwner(${name})`, nameHasOwner(conn, name), 2000)) === want
          ? true
          : undefined,
      {
        timeoutMs: opts.timeoutMs ?? 10_000,
        intervalMs: 50,
        abort: () => opts.abort?.() ?? connError,
        ...(opts.describe ? { describe: opts.describe } : {}),
      }
    )
  } finally {
    conn.disconnect()
  }
}
