/**
 * Test fixture: one bus operation from a separate process (run as another UID by policy
 * tests). Prints one JSON line `{ ok, value }` or `{ ok: false, errorName, text }`.
 *   busclient.ts own <name>
 *   busclient.ts call <dest> <path> <iface> <member> [<signature> <json body>]
 */
import { DBusConnection } from '../bus.js'
import { DBusCallError } from '../errors.js'
import { requestName } from '../service/name.js'

async function main(argv: string[]): Promise<unknown> {
  const conn = await DBusConnection.connect({ callTimeoutMs: 5000 })
  try {
    const [action, ...rest] = argv
    if (action === 'own') {
      await requestName(conn, rest[0] ?? '')
      return 'owned'
    }
    if (action === 'call') {
      const [destination = '', path = '/', iface = '', member = '', signature = '', body = '[]'] =
        rest
      const r = await conn.call({
        destination,
        path,
        interface: iface,
        member,
        signature,
        body: JSON.parse(body) as unknown[],
      })
      return r.body
    }
    throw new Error(`unknown action ${action}`)
  } finally {
    await conn.close()
  }
}

main(process.argv.slice(2)).then(
  (value) => process.stdout.write(JSON.stringify({ ok: true, value }) + '\n'),
  (err: unknown) =>
    process.stdout.write(
      JSON.stringify({
        ok: false,
        errorName: err instanceof DBusCallError ? err.errorName : (err as Error).name,
        text: err instanceof DBusCallError ? err.text : String(err),
      }) + '\n'
    )
)
