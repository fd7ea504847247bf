/**
 * Test fixture: a declared test interface and a service process exporting it with the
 * kit (run: node --conditions=source --import tsx fixture.ts service). Prints "READY"
 * once its name is owned. Used by host.test.ts from another process.
 */
import { openSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DBusConnection } from '../bus.js'
import { ErrorDomain, ServiceError } from '../errors.js'
import { AccessDeniedError, requireAccess } from '../service/acl.js'
import { ServiceHost } from '../service/host.js'
import { requestName } from '../service/name.js'
import { readSync } from 'node:fs'

export const TEST_NAME = 'net.openvpn.v3.kittest'
export const TEST_PATH = '/net/openvpn/v3/kittest'

export const testInterface = {
  name: 'net.openvpn.v3.kittest',
  methods: {
    Echo: { in: [['text', 's']], out: [['echo', 's']], doc: 'Echo.' },
    Add: {
      in: [
        ['a', 'u'],
        ['b', 't'],
      ],
      out: [
        ['sum', 't'],
        ['note', 's'],
      ],
      doc: 'Two outs.',
    },
    Fail: {
      in: [
        ['domain', 's'],
        ['text', 's'],
      ],
      out: [],
      doc: 'Throws ServiceError(domain, text).',
    },
    Crash: { in: [], out: [], doc: 'Throws a plain Error.' },
    WhoAmI: {
      in: [],
      out: [
        ['uid', 'u'],
        ['pid', 'u'],
        ['sender', 's'],
      ],
      doc: 'Caller identity.',
    },
    RootOnly: { in: [], out: [['ok', 'b']], doc: 'ACL: owner (root) only.' },
    GetFd: { in: [['text', 's']], out: [], fds: { out: 1 }, doc: 'Reply carries an fd (no h).' },
    GetFdH: { in: [['text', 's']], out: [['fd', 'h']], doc: 'Returns an fd as h.' },
    ReadFd: {
      in: [],
      out: [['content', 's']],
      fds: { in: 1 },
      doc: 'Reads the fd sent with the call.',
    },
    Shout: { in: [['text', 's']], out: [], doc: 'Emits Said broadcast and unicast to caller.' },
  },
  signals: {
    Said: {
      args: [
        ['n', 'u'],
        ['text', 's'],
      ],
      doc: 'Signal.',
      delivery: 'broadcast',
    },
  },
  properties: {
    version: { type: 's', access: 'read', doc: 'Read-only.' },
    level: { type: 'u', access: 'readwrite', doc: 'Writable, 0–6.' },
    secret: { type: 's', access: 'read', doc: 'Root only.' },
    names: { type: 's', valueType: 'as', access: 'read', doc: 'Declared s, sent as.' },
  },
} as const

function tempFileFd(text: string): number {
  const p = join(tmpdir(), `ovpn3ts-fd-${process.pid}-${Math.random().toString(16).slice(2)}`)
  writeFileSync(p, text)
  return openSync(p, 'r')
}

export async function runService(): Promise<void> {
  const conn = await DBusConnection.connect()
  const host = new ServiceHost(conn, {
    onHandlerError: (err, where) =>
      process.stderr.write(`handler error at ${where}: ${String(err)}\n`),
  })
  let level = 3
  let said = 0
  const obj = host.export(TEST_PATH, testInterface, {
    methods: {
      Echo: ({ text }) => text,
      Add: ({ a, b }) => [BigInt(a) + b, 'ok'],
      Fail: ({ domain, text }) => {
        throw new ServiceError(domain, text)
      },
      Crash: () => {
        throw new Error('boom')
      },
      WhoAmI: async (_args, ctx) => {
        const c = await ctx.caller()
        return [c.uid, c.pid, c.sender]
      },
      RootOnly: () => true,
      GetFd: ({ text }, ctx) => {
        ctx.replyFds([tempFileFd(text)])
      },
      GetFdH: ({ text }) => tempFileFd(text),
      ReadFd: (_args, ctx) => {
        const fd = ctx.fds[0]
        if (fd === undefined) throw new ServiceError(ErrorDomain.GDBUSPP, 'no fd received')
        const buf = Buffer.alloc(100)
        const n = readSync(fd, buf, 0, 100, 0)
        return buf.subarray(0, n).toString()
      },
      Shout: ({ text }, ctx) => {
        said++
        obj.emit('Said', [said, text])
        obj.emit('Said', [said, `to you: ${text}`], { destination: ctx.sender })
      },
    },
    properties: {
      version: { get: () => 'v27' },
      level: {
        get: () => level,
        set: (v) => {
          if (v > 6) throw new ServiceError(ErrorDomain.GDBUSPP, 'Invalid log level')
          level = v
        },
      },
      secret: { get: () => 'only-root' },
      names: { get: () => ['a', 'b'] },
    },
    authorize: async (req, ctx) => {
      if (
        (req.kind === 'method' && req.member === 'RootOnly') ||
        (req.kind === 'get' && req.property === 'secret')
      ) {
        const { uid } = await ctx.caller()
        requireAccess(uid, { owner: 0 }, { text: 'Access denied: root only' })
      }
      if (req.kind === 'set' && req.property === 'level') {
        const { uid } = await ctx.caller()
        if (uid !== 0) throw new AccessDeniedError('Only root may change the level')
      }
    },
  })
  await requestName(conn, TEST_NAME)
  process.stdout.write('READY\n')
  const stop = () => {
    host.close()
    void conn.close().then(() => process.exit(0))
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  void conn.closed.then(() => process.exit(0))
}

if (process.argv[2] === 'service') {
  runService().catch((err: unknown) => {
    process.stderr.write(`fixture service failed: ${String(err)}\n`)
    process.exit(1)
  })
}
