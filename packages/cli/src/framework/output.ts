/**
 * Output helpers of the CLI: plain lines, `key: value` blocks aligned like upstream's,
 * separator lines, JSON, and date/user formatting (spec dbus-api.md §13 output shapes).
 * Writes go to injectable streams so tests and embedding can capture them.
 */

export interface Output {
  line(text?: string): void
  error(text: string): void
  json(value: unknown): void
  /** `label: value` lines with the labels right-aligned to the longest */
  fields(rows: readonly (readonly [string, string])[], indent?: number): void
  separator(width?: number): void
}

export const SEPARATOR_WIDTH = 78

/**
 * A reader that went away (`openvpn3 configs-list | head -1`) is not an error of the command:
 * the command still finishes its work, and what it would print is dropped, instead of Node's
 * unhandled EPIPE stack trace.
 */
export function ignoreClosedPipe(stream: NodeJS.WriteStream): void {
  if (stream.listenerCount('error') > 0) return
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
  })
}

export function createOutput(
  stdout: { write(s: string): unknown } = process.stdout,
  stderr: { write(s: string): unknown } = process.stderr
): Output {
  if (stdout === process.stdout) ignoreClosedPipe(process.stdout)
  if (stderr === process.stderr) ignoreClosedPipe(process.stderr)
  return {
    line: (text = '') => void stdout.write(text + '\n'),
    error: (text) => void stderr.write(text + '\n'),
    json: (value) =>
      void stdout.write(
        JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v), 2) + '\n'
      ),
    fields(rows, indent = 0) {
      const w = Math.max(0, ...rows.map(([k]) => k.length))
      for (const [k, v] of rows) stdout.write(`${' '.repeat(indent + w - k.length)}${k}: ${v}\n`)
    },
    separator: (width = SEPARATOR_WIDTH) => void stdout.write('-'.repeat(width) + '\n'),
  }
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const
const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec',
] as const

/** Unix seconds → local date/time like upstream (`Mon Nov 23 00:42:01 2026`); 0 → fallback. */
export function formatTime(seconds: number | bigint, never = 'Never'): string {
  const n = Number(seconds)
  if (!n) return never
  const d = new Date(n * 1000)
  const p = (x: number) => String(x).padStart(2, '0')
  // fixed English names, as upstream prints them (asctime style); the Intl route loads ICU
  // locale data on first use, ~20 ms of a `configs-list` run
  const day = WEEKDAYS[d.getDay()] ?? ''
  const mon = MONTHS[d.getMonth()] ?? ''
  return `${day} ${mon} ${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`
}

export const yesNo = (b: boolean): string => (b ? 'Yes' : 'No')

/** Pad `s` to `w` columns (never cuts). */
export const pad = (s: string, w: number): string => (s.length >= w ? s + ' ' : s.padEnd(w))
