/**
 * Test fixture: a D-Bus client process (run as another UID by the tests) that executes
 * requests read as JSON lines on stdin and answers one JSON line each on stdout:
 *   {"id":1,"op":"call","path":"/…","member":"Import","signature":"ssbb","body":[…]}
 *   {"id":2,"op":"get","path":"/…","property":"name"}   {"op":"getall","path":"/…"}
 *   {"id":3,"op":"set","path":"/…","property":"name","type":"s","value":"x"}
 *   {"id":4,"op":"own","name":"net.openvpn.v3.backends.be<pid>"}   {"op":"pid"}
 * Body items written as {"$variant":[sig,value]} become Variants. Replies: {id, ok, value}
 * or {id, ok:false, errorName, message}; bigints become strings, Variants {sig, value}.
 */
import { createInterface } from 'node:readline'
import {
  BusName,
  DBusConnection,
  InterfaceName,
  Variant,
  requestName,
  type VariantValue,
} from '@openvpn3-ts/dbus'

interface Req {
  id: number
  op: string
  path?: string
  member?: string
  signature?: string
  body?: unknown[]
  property?: string
  type?: string
  value?: unknown
  name?: string
  timeoutMs?: number
}

const PROPS = 'org.freedesktop.DBus.Properties'

function revive(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(revive)
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>
    const vv = o.$variant
    if (Array.isArray(vv)) return new Variant(String(vv[0]), revive(vv[1]))
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, revive(x)]))
  }
  return v
}

function plain(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString()
  if (v instanceof Variant) {
    const x = v as VariantValue
    return { sig: x.signature, value: plain(x.value) }
  }
  if (Buffer.isBuffer(v)) return v.toString('hex')
  if (Array.isArray(v)) return v.map(plain)
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

async function main(): Promise<void> {
  const conn = await DBusConnection.connect({ callTimeoutMs: 20_000 })
  const call = async (r: Req, iface: string, member: string, signature: string, body: unknown[]) =>
    (
      await conn.call({
        destination: BusName.configuration,
        path: r.path ?? '/',
        interface: iface,
        member,
        signature,
        body,
        ...(r.timeoutMs ? { timeoutMs: r.timeoutMs } : {}),
      })
    ).body
  const handle = async (r: Req): Promise<unknown> => {
    switch (r.op) {
      case 'call': {
        const body = revive(r.body ?? []) as unknown[]
        const out = await call(
          r,
          InterfaceName.configuration,
          r.member ?? '',
          r.signature ?? '',
          body
        )
        return out.length === 1 ? out[0] : out
      }
      case 'get': {
        const v = (await call(r, PROPS, 'Get', 'ss', [InterfaceName.configuration, r.property]))[0]
        return v instanceof Variant ? (v as VariantValue).value : v
      }
      case 'getall':
        return (await call(r, PROPS, 'GetAll', 's', [InterfaceName.configuration]))[0]
      case 'set':
        return call(r, PROPS, 'Set', 'ssv', [
          InterfaceName.configuration,
          r.property,
          new Variant(r.type ?? 's', revive(r.value)),
        ])
      case 'own':
        await requestName(conn, r.name ?? '')
        return 'owned'
      case 'pid':
        return process.pid
      default:
        throw new Error(`unknown op ${r.op}`)
    }
  }
  const rl = createInterface({ input: process.stdin })
  for await (const line of rl) {
    if (!line.trim()) continue
    const r = JSON.parse(line) as Req
    try {
      const value = await handle(r)
      process.stdout.write(JSON.stringify({ id: r.id, ok: true, value: plain(value) }) + '\n')
    } catch (err) {
      const e = err as { errorName?: string; wireMessage?: string; message?: string }
      process.stdout.write(
        JSON.stringify({
          id: r.id,
          ok: false,
          errorName: e.errorName ?? (err instanceof Error ? err.name : 'Error'),
          message: e.wireMessage ?? e.message ?? String(err),
        }) + '\n'
      )
    }
  }
  await conn.close()
}

process.stdout.write('READY\n')
main().catch((err: unknown) => {
  process.stderr.write(`remote-client: ${String(err)}\n`)
  process.exit(1)
})
