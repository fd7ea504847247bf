/**
 * Test fixture: a client process that runs one action against the kit test service and
 * prints one JSON line `{ ok, value | errorName, text }`. Run as another UID by tests.
 */
import { readSync, closeSync } from 'node:fs'
import { DBusConnection } from '../bus.js'
import { DBusCallError } from '../errors.js'
import { proxy } from '../proxy.js'
import { TEST_NAME, TEST_PATH, testInterface } from './fixture.js'

async function main(action: string): Promise<unknown> {
  const conn = await DBusConnection.connect({ callTimeoutMs: 5000 })
  try {
    const p = proxy(conn, TEST_NAME, TEST_PATH, testInterface)
    switch (action) {
      case 'whoami':
        return await p.WhoAmI()
      case 'rootonly':
        return await p.RootOnly()
      case 'secret':
        return await p.$get('secret')
      case 'set-level':
        return await p.$set('level', 5)
      case 'set-version': {
        const { Variant } = await import('../dbusnext.js')
        return await conn.call({
          destination: TEST_NAME,
          path: TEST_PATH,
          interface: 'org.freedesktop.DBus.Properties',
          member: 'Set',
          signature: 'ssv',
          body: [testInterface.name, 'version', new Variant('s', 'hacked')],
        })
      }
      case 'getfd': {
        const r = await p.GetFd('from-service')
        const fd = r.fds[0]
        if (fd === undefined) throw new Error('no fd')
        const buf = Buffer.alloc(100)
        const n = readSync(fd, buf, 0, 100, 0)
        closeSync(fd)
        return buf.subarray(0, n).toString()
      }
      default:
        throw new Error(`unknown action ${action}`)
    }
  } finally {
    await conn.close()
  }
}

main(process.argv[2] ?? '').then(
  (value) => {
    process.stdout.write(JSON.stringify({ ok: true, value: value ?? null }) + '\n')
  },
  (err: unknown) => {
    const e = err as DBusCallError
    process.stdout.write(
      JSON.stringify({
        ok: false,
        errorName: err instanceof DBusCallError ? e.errorName : String(err),
        text: err instanceof DBusCallError ? e.text : '',
      }) + '\n'
    )
  }
)
