/**
 * Minimal logger: stderr lines with sd-daemon priority prefixes (<3> error … <7> debug), so
 * journald maps priorities under systemd. Never pass secrets to it.
 */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug'

export interface Logger {
  error(msg: string): void
  warn(msg: string): void
  info(msg: string): void
  debug(msg: string): void
}

const PRIO: Record<LogLevel, number> = { error: 3, warn: 4, info: 6, debug: 7 }

export function createLogger(
  level: LogLevel = 'info',
  write: (line: string) => void = (l) => process.stderr.write(l)
): Logger {
  const min = PRIO[level]
  const at = (l: LogLevel) => (msg: string) => {
    if (PRIO[l] <= min) write(`<${PRIO[l]}>${msg}\n`)
  }
  return { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') }
}

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} }

/** Copy of an ENV map safe to log: password and anything looking secret removed. */
export function redactEnv(env: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) out[k] = /^password|secret|token/i.test(k) ? '***' : v
  return out
}
