/**
 * Test stand-in for a backend client process (spec §6, §8.2): owns
 * `net.openvpn.v3.backends.be<PID>`, logs through the shared logging layer exactly as the
 * real backend does (`Log (uuss)` with the session token, unicast to the log service and the
 * session manager, Attach + AssignSession), and answers `UserInputProvide` (registering the
 * value as a secret, then logging carelessly, to prove the layer scrubs it).
 *
 * Usage: standin-backend.ts <session path> <session token>
 * Commands on stdin, one JSON object per line:
 *   {"op":"log","category":4,"text":"…"}           one Log line (group CLIENT)
 *   {"op":"status","major":2,"minor":7,"text":"…"} one StatusChange
 *   {"op":"burst","rate":5000,"seconds":10,"offset":0}  `burst seq=<offset+n>` lines at that rate
 *   {"op":"secret","value":"…"}                    register a secret (e.g. pushed auth-token)
 * Prints `READY <unique name>` once attached and assigned, `DONE <what>` after each command.
 * `STANDIN_QUIET=1` turns off the local journal-style copy on stderr.
 */
import { createInterface } from 'node:readline'
import {
  BusName,
  DBusConnection,
  InterfaceName,
  LogGroup,
  ObjectPath,
  ServiceHost,
  ServiceLogger,
  backendBusName,
  journalSink,
  requestName,
  userInputMethods,
} from '@openvpn3-ts/dbus'

const [sessionPath = '/net/openvpn/v3/sessions/x', token = 'tok'] = process.argv.slice(2)

const inputInterface = {
  name: InterfaceName.backends,
  methods: { UserInputProvide: userInputMethods.UserInputProvide },
  signals: {},
  properties: {},
} as const

async function main(): Promise<void> {
  process.once('SIGTERM', () => process.exit(0))
  const log = new ServiceLogger({
    group: LogGroup.BACKENDPROC,
    serviceName: 'openvpn3-service-client',
    interface: InterfaceName.backends,
    path: ObjectPath.backendSession,
    sessionToken: token,
    level: 6,
    ...(process.env['STANDIN_QUIET'] ? {} : { sink: journalSink() }),
  })
  const conn = await DBusConnection.connect()
  const host = new ServiceHost(conn, { onHandlerError: log.handlerError })
  host.export(ObjectPath.backendSession, inputInterface, {
    methods: {
      UserInputProvide: ({ type, group, id, value }) => {
        log.addSecret(value)
        // careless on purpose: the layer must scrub both lines
        log.debug(`UserInputProvide type=${type} group=${group} id=${id} value=${value}`)
        log.info(`Credentials received: ${value}`, { group: LogGroup.CLIENT })
      },
    },
    properties: {},
  })
  await requestName(conn, backendBusName(process.pid))
  await log.connect(conn, { extraTargets: [BusName.sessions] })
  await log.assignSession(sessionPath)
  process.stdout.write(`READY ${conn.uniqueName}\n`)

  const rl = createInterface({ input: process.stdin })
  for await (const line of rl) {
    if (!line.trim()) continue
    const cmd = JSON.parse(line) as Record<string, unknown>
    const op = String(cmd['op'])
    if (op === 'log') {
      log.log(Number(cmd['category']), String(cmd['text']), { group: LogGroup.CLIENT })
    } else if (op === 'status') {
      log.statusChange(Number(cmd['major']), Number(cmd['minor']), String(cmd['text']))
    } else if (op === 'secret') {
      log.addSecret(String(cmd['value']))
    } else if (op === 'burst') {
      const rate = Number(cmd['rate'])
      const offset = Number(cmd['offset'] ?? 0)
      const total = rate * Number(cmd['seconds'])
      const start = Date.now()
      let n = 0
      while (n < total) {
        const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate) + 1)
        for (; n < due; n++) log.info(`burst seq=${offset + n}`, { group: LogGroup.CLIENT })
        await new Promise((r) => setTimeout(r, 5))
      }
      const secs = (Date.now() - start) / 1000
      process.stdout.write(`RATE ${total} ${secs.toFixed(2)}\n`)
    }
    process.stdout.write(`DONE ${op}\n`)
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`standin-backend: ${String(err)}\n`)
  process.exit(1)
})
