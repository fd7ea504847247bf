/**
 * `openvpn3 session-start` (spec dbus-api.md §10.1, §13.1): pick the profile (`--config NAME`,
 * or a file imported as a single-use profile when no profile has that name, or `--path`),
 * `NewTunnel`, then the Ready → user-input queue → Connect loop (prompts on the terminal with
 * hidden input where the backend asks; answers can also come non-interactively from
 * `--auth-file` or stdin), printing status changes as they come (forwarded by the log service,
 * else polled), until connected. `--background` returns after Connect. Authentication
 * failure, connection failure or `--timeout` end with one clear line and exit code 1.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename } from 'node:path'
import {
  DBusCallError,
  ErrorDomain,
  StatusMajor,
  StatusMinor,
  type DBusConnection,
} from '@openvpn3-ts/dbus'
import { configManager } from '../common/configs.js'
import { mergeReferencedFiles } from '../common/merge-files.js'
import { defineCommand } from '../framework/command.js'
import { CliError, UsageError } from '../framework/errors.js'
import type { Output } from '../framework/output.js'
import type { Prompter } from '../framework/prompt.js'
import {
  formatSessionEvent,
  subscribeSessionLog,
  type PendingSessionLog,
  type SessionLogFollow,
} from './log-follow.js'
import {
  answerInputQueue,
  connectedToText,
  readAuthFile,
  sessionManager,
  sessionObject,
  type SessionProxy,
} from './session-common.js'

const CONN = StatusMajor.CONNECTION
const MAX_READY_ROUNDS = 10
const POLL_MS = 200
const MAX_PROFILE_FILE = 1024 * 1024

/** The configuration object to start: by path, by name, or a file imported for one use. */
async function resolveProfile(
  conn: DBusConnection,
  config: string | undefined,
  path: string | undefined,
  out: Output
): Promise<string> {
  if (path !== undefined && config !== undefined)
    throw new UsageError('use either --config or --config-path, not both')
  if (path !== undefined) return path
  if (config === undefined) throw new UsageError('missing --config NAME|FILE or --config-path')
  const cfgmgr = configManager(conn)
  const found = await cfgmgr.LookupConfigName(config)
  if (found.length > 1) {
    throw new CliError(
      `More than one configuration profile was found with the name '${config}'; use --config-path`
    )
  }
  if (found[0] !== undefined) {
    out.line(`Using pre-loaded configuration profile '${config}'`)
    return found[0]
  }
  if (!existsSync(config)) throw new CliError(`No configuration profile or file named '${config}'`)
  let text: string
  try {
    const st = statSync(config)
    if (!st.isFile() || st.size > MAX_PROFILE_FILE)
      throw new CliError(`'${config}' is not a usable profile file`)
    text = mergeReferencedFiles(readFileSync(config, 'utf8'), config)
  } catch (err) {
    if (err instanceof CliError) throw err
    throw new CliError(`Could not read '${config}': ${(err as Error).message}`, 1, { cause: err })
  }
  const p = await cfgmgr.Import(basename(config), text, true, false)
  out.line(`Using configuration profile from file: ${config}`)
  return p
}

/** Ready → (answer the queue) → … until ready; then `then` (Connect/Resume/Restart). */
export async function readyLoop(
  session: SessionProxy,
  prompt: Prompter,
  answers: ReadonlyMap<string, string>,
  then: () => Promise<void>
): Promise<void> {
  for (let round = 0; round < MAX_READY_ROUNDS; round++) {
    try {
      await session.Ready()
      await then()
      return
    } catch (err) {
      if (!(err instanceof DBusCallError && err.is(ErrorDomain.READY))) throw err
      if (err.text.includes('Pending web authentication')) {
        const [, , url] = await session.$get('status')
        throw new CliError(`Web authentication required: open ${url}`)
      }
      await answerInputQueue(session, prompt, answers)
    }
  }
  throw new CliError('Session is still not ready after answering the user input requests')
}

/** Wait for the outcome of Connect (spec §10.1 step 6). */
async function waitConnected(opts: {
  session: SessionProxy
  prompt: Prompter
  answers: ReadonlyMap<string, string>
  out: Output
  timeoutMs: number
  printPolled: boolean
  /** resolves early when a forwarded status change arrives */
  nextEvent: (ms: number) => Promise<void>
  gone: () => boolean
  /** a forwarded status change said CONN_CONNECTED */
  connected: () => boolean
}): Promise<void> {
  const { session, out } = opts
  const deadline = Date.now() + opts.timeoutMs
  let last = ''
  for (;;) {
    if (opts.gone()) throw new CliError('The session was closed before it connected')
    if (opts.connected()) return
    let status: [number, number, string]
    try {
      status = await session.$get('status')
    } catch (err) {
      if (err instanceof DBusCallError && /Object does not exist/.test(err.text)) {
        throw new CliError(
          last ? `Connection failed: ${last}` : 'The session was closed before it connected'
        )
      }
      throw err
    }
    const [major, minor, message] = status
    const key = `${major}/${minor}/${message}`
    if (key !== last && opts.printPolled) {
      out.line(
        `[STATUS] ${StatusMajor.display(major) ?? major}, ${StatusMinor.display(minor) ?? minor}${message ? `: ${message}` : ''}`
      )
    }
    last = key === last ? last : key
    if (major === CONN) {
      switch (minor) {
        case StatusMinor.CONN_CONNECTED:
          return
        case StatusMinor.CONN_AUTH_FAILED:
          await session.$call('Disconnect', [], { timeoutMs: 5000 }).catch(() => undefined)
          throw new CliError(
            `Authentication failed${message && message !== 'Authentication failed' ? `: ${message}` : ''}`
          )
        case StatusMinor.CONN_FAILED:
        case StatusMinor.CFG_ERROR:
          await session.$call('Disconnect', [], { timeoutMs: 5000 }).catch(() => undefined)
          throw new CliError(
            message.includes('PEM_PASSWORD_FAIL')
              ? 'Connection failed: wrong private key passphrase'
              : `Connection failed: ${message}`
          )
        case StatusMinor.CONN_DISCONNECTED:
        case StatusMinor.CONN_DONE:
          throw new CliError(`Connection ended: ${message || 'disconnected'}`)
        case StatusMinor.CFG_REQUIRE_USER:
          await readyLoop(session, opts.prompt, opts.answers, () => session.Connect())
          break
        default:
          break
      }
    } else if (major === StatusMajor.SESSION && minor === StatusMinor.SESS_AUTH_URL) {
      throw new CliError(`Web authentication required: open ${message}`)
    }
    if (Date.now() >= deadline) {
      await session.$call('Disconnect', [], { timeoutMs: 5000 }).catch(() => undefined)
      throw new CliError(
        `Timeout: not connected within ${Math.round(opts.timeoutMs / 1000)} seconds (last status: ${message || 'none'})`
      )
    }
    await opts.nextEvent(POLL_MS)
  }
}

export default defineCommand({
  name: 'session-start',
  summary: 'Start a new VPN session',
  options: [
    {
      name: 'config',
      short: 'c',
      arg: 'required',
      metavar: 'CONFIG-NAME|FILE',
      help: 'Profile name, or a file to import for this session only',
    },
    {
      name: 'config-path',
      short: 'p',
      arg: 'required',
      metavar: 'CONFIG-PATH',
      help: 'Configuration object path',
    },
    { name: 'background', help: 'Return once the connection is started' },
    {
      name: 'timeout',
      arg: 'required',
      metavar: 'SECS',
      help: 'Give up when not connected within SECS seconds (default 30)',
    },
    {
      name: 'auth-file',
      arg: 'required',
      metavar: 'FILE',
      help: 'Credentials (name=value lines, or username/password lines); must be mode 600',
    },
    { name: 'dco', arg: 'required', metavar: 'BOOL', help: 'Use data-channel offload' },
    { name: 'quiet', short: 'q', help: 'Do not print log lines, only status changes' },
  ],
  details: [
    'Credentials are asked on the terminal; without a terminal they are read from stdin, one',
    'answer per line in the order asked (username, password, challenge response).',
  ],
  async run({ args, out, bus, prompt }) {
    const timeoutArg = args.get('timeout')
    const timeoutS = timeoutArg === undefined ? 30 : Number(timeoutArg)
    if (!Number.isFinite(timeoutS) || timeoutS <= 0) throw new UsageError('invalid --timeout')
    const authFile = args.get('auth-file')
    const answers = authFile === undefined ? new Map<string, string>() : readAuthFile(authFile)
    const conn = await bus()

    let gone = false
    let connected = false
    // A status change seen since the last poll: the next wait returns at once, so a change
    // that arrives while a status read is on its way is never missed.
    let statusSeen = false
    let wake: (() => void) | undefined
    const nextEvent = (ms: number) =>
      new Promise<void>((resolve) => {
        if (statusSeen) {
          statusSeen = false
          resolve()
          return
        }
        const timer = setTimeout(done, ms)
        function done() {
          clearTimeout(timer)
          wake = undefined
          statusSeen = false
          resolve()
        }
        wake = done
      })
    // Subscribe to the forwarded log while the profile is looked up and the session is
    // created (the match rules do not need the session path); forwarding starts below.
    const subscribing: Promise<PendingSessionLog | undefined> = args.has('background')
      ? Promise.resolve(undefined)
      : subscribeSessionLog(conn, {
          level: args.has('quiet') ? 0 : 4,
          onEvent: (ev) => {
            if (ev.kind === 'status' && ev.major === StatusMajor.SESSION) {
              if (ev.minor === StatusMinor.PROC_STOPPED || ev.minor === StatusMinor.PROC_KILLED)
                gone = true
            }
            if (ev.kind === 'status' && ev.major === CONN)
              connected = ev.minor === StatusMinor.CONN_CONNECTED
            out.line(formatSessionEvent(ev))
            if (ev.kind === 'status') {
              statusSeen = true
              wake?.()
            }
          },
        }).catch(() => undefined) // no log service: poll and print the status instead
    let path: string
    try {
      const configPath = await resolveProfile(
        conn,
        args.get('config'),
        args.get('config-path'),
        out
      )
      path = await sessionManager(conn).NewTunnel(configPath)
    } catch (err) {
      await (await subscribing)?.cancel()
      throw err
    }
    out.line(`Session path: ${path}`)
    const session = sessionObject(conn, path)
    const dco = args.bool('dco')
    // LogForward goes out together with Ready (and the dco Set); Connect waits for it
    const forwarding: Promise<SessionLogFollow | undefined> = subscribing.then((pending) =>
      pending?.forward(path).catch(() => undefined)
    )
    if (dco !== undefined) {
      try {
        await session.$set('dco', dco)
      } catch (err) {
        await (await forwarding)?.stop()
        throw err
      }
    }
    let follow: SessionLogFollow | undefined
    try {
      await readyLoop(session, prompt, answers, async () => {
        follow = await forwarding
        await session.Connect()
      })
      if (args.has('background')) {
        out.line('Session started in the background')
        return 0
      }
      await waitConnected({
        session,
        prompt,
        answers,
        out,
        timeoutMs: timeoutS * 1000,
        printPolled: follow === undefined,
        gone: () => gone,
        connected: () => connected,
        nextEvent,
      })
      // forwarding is turned off while the connection details are read
      const stopping = follow?.stop({ closing: true })
      const [to, name, dev] = await Promise.all([
        session.$get('connected_to'),
        session.$get('session_name'),
        session.$get('device_name'),
      ])
      out.line(
        `Connected to ${connectedToText(to)}${name ? ` (session name ${name})` : ''}${dev ? ` on ${dev}` : ''}`
      )
      await stopping
      return 0
    } catch (err) {
      if (!(err instanceof CliError)) {
        await session.$call('Disconnect', [], { timeoutMs: 5000 }).catch(() => undefined)
      }
      throw err
    } finally {
      follow ??= await forwarding
      // the connection is closed when the command returns
      await follow?.stop({ closing: true })
    }
  },
})
