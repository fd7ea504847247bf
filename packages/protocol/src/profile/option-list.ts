/**
 * The grammar layer: profile text → ordered list of raw options, before any directive is
 * interpreted. Follows spec openvpn-protocol.md §19.1 (lines, comments, BOM, `--` prefix) and
 * §19.2 (inline blocks, `<connection>` blocks), with the OpenVPN 3 size limits of dbus-api.md §3.1
 * and the Access Server meta comments (`# OVPN_ACCESS_SERVER_KEY=value`). Only grammar issues are
 * reported here; the configuration manager fails an import only on these. Never throws.
 */
import { DEFAULT_LIMITS, type ProfileLimits } from './constants.js'
import { IssueCollector, quote, type ProfileIssue } from './issues.js'
import { tokenizeLine } from './lexer.js'

/** One option as written: name, argument tokens, where it was. */
export interface RawOption {
  /** Directive name without a leading `--`; for meta comments the KEY of OVPN_ACCESS_SERVER_KEY. */
  readonly name: string
  /** Argument tokens; for an inline block exactly one: the block body (lines each ending in \n). */
  readonly args: readonly string[]
  /** 1-based line of the directive or of the opening tag. */
  readonly line: number
  /** True when the option came from an inline block `<name>…</name>`. */
  readonly inline: boolean
  /** True for an Access Server meta comment `# OVPN_ACCESS_SERVER_KEY=value`. */
  readonly meta: boolean
  /** Options inside a `<connection>` block (empty for every other option). */
  readonly children: readonly RawOption[]
}

export interface OptionListResult {
  /** False when a grammar error was found (the options parsed so far are still returned). */
  readonly ok: boolean
  readonly options: RawOption[]
  readonly issues: ProfileIssue[]
  readonly warnings: ProfileIssue[]
}

/** Names OpenVPN accepts as inline blocks (§19.2) plus `connection`. */
export const INLINE_BLOCK_NAMES: ReadonlySet<string> = new Set([
  'ca',
  'cert',
  'key',
  'extra-certs',
  'pkcs12',
  'tls-auth',
  'tls-crypt',
  'tls-crypt-v2',
  'secret',
  'crl-verify',
  'dh',
  'auth-user-pass',
  'http-proxy-user-pass',
  'peer-fingerprint',
  'verify-hash',
  'auth-gen-token-secret',
  'connection',
])

const DIRECTIVE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]*$/
const OPEN_TAG = /^<([^<>/\s]+)>$/
// C0 controls except TAB, and DEL; LF never occurs (lines are split on it), a final CR is removed.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/

interface Line {
  readonly text: string
  readonly number: number
}

/** Parse options with the default limits; see {@link parseOptionListWith}. */
export function parseOptionList(
  input: string | Uint8Array,
  limits: Partial<ProfileLimits> = {}
): OptionListResult {
  const lim: ProfileLimits = { ...DEFAULT_LIMITS, ...limits }
  const issues = new IssueCollector(lim.maxIssues)
  const options = parseOptionListWith(input, lim, issues)
  issues.finish()
  return {
    ok: !issues.hasErrors,
    options,
    issues: issues.errors,
    warnings: issues.warnings,
  }
}

/** Parse options, adding grammar issues to `issues`. Input is text or UTF-8 bytes. */
export function parseOptionListWith(
  input: string | Uint8Array,
  limits: ProfileLimits,
  issues: IssueCollector
): RawOption[] {
  const text = decode(input, limits, issues)
  if (text === null) return []
  const lines = splitLines(text, limits, issues)
  return parseLines(lines, limits, issues, false)
}

function tooLarge(size: number, limits: ProfileLimits, issues: IssueCollector): null {
  issues.error(
    'too_large',
    null,
    null,
    `profile is too large: ${size} bytes, the limit is ${limits.maxProfileBytes} bytes`
  )
  return null
}

function decode(
  input: string | Uint8Array,
  limits: ProfileLimits,
  issues: IssueCollector
): string | null {
  if (typeof input !== 'string') {
    // Callers in plain JavaScript (or `any` from an edge) may pass something else entirely.
    if (!((input as unknown) instanceof Uint8Array)) {
      issues.error('invalid_encoding', null, null, 'profile must be text or UTF-8 bytes')
      return null
    }
    if (input.byteLength > limits.maxProfileBytes) return tooLarge(input.byteLength, limits, issues)
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(input)
    } catch (_err) {
      issues.error('invalid_encoding', null, null, 'profile is not valid UTF-8 text')
      return null
    }
  }
  // Every UTF-16 unit is at least one UTF-8 byte, so a long string is rejected before measuring.
  if (input.length > limits.maxProfileBytes) return tooLarge(input.length, limits, issues)
  const bytes = Buffer.byteLength(input, 'utf8')
  if (bytes > limits.maxProfileBytes) return tooLarge(bytes, limits, issues)
  return input
}

function splitLines(text: string, limits: ProfileLimits, issues: IssueCollector): Line[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  const out: Line[] = []
  const raw = body.split('\n')
  // A final newline does not start another line.
  if (raw.length > 0 && raw[raw.length - 1] === '') raw.pop()
  raw.forEach((r, i) => {
    const number = i + 1
    const line = r.endsWith('\r') ? r.slice(0, -1) : r
    if (line.length > limits.maxLineLength) {
      issues.error(
        'line_too_long',
        number,
        null,
        `line is ${line.length} characters long, the limit is ${limits.maxLineLength}`
      )
      out.push({ text: '', number })
      return
    }
    const bad = CONTROL.exec(line)
    if (bad !== null) {
      const code = bad[0].charCodeAt(0).toString(16).padStart(2, '0')
      issues.error(
        'control_character',
        number,
        null,
        `line contains the control character 0x${code} (binary data?)`
      )
      out.push({ text: '', number })
      return
    }
    out.push({ text: line, number })
  })
  return out
}

function isCloseTag(line: string, name: string): boolean {
  return line.trimStart().startsWith(`</${name}>`)
}

/** `<name>` when `line` is exactly one open tag of a known inline block, else null. */
function knownOpenTag(line: string): string | null {
  const m = OPEN_TAG.exec(line.trim())
  const name = m?.[1]
  return name !== undefined && INLINE_BLOCK_NAMES.has(name) ? name : null
}

function parseLines(
  lines: readonly Line[],
  limits: ProfileLimits,
  issues: IssueCollector,
  insideConnection: boolean
): RawOption[] {
  const options: RawOption[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i] as Line
    i += 1
    const trimmed = line.text.trim()
    if (trimmed === '') continue
    if (trimmed.startsWith('#') || trimmed.startsWith(';')) {
      const meta = parseMeta(trimmed, line.number)
      if (meta !== null) options.push(meta)
      continue
    }
    const tok = tokenizeLine(line.text)
    if (!tok.ok) {
      issues.error(tok.code, line.number, null, tok.message)
      continue
    }
    const [first, ...rest] = tok.tokens
    if (first === undefined) continue
    const open = OPEN_TAG.exec(first)
    if (open !== null) {
      const name = open[1] as string
      if (rest.length > 0) {
        issues.error(
          'block_extra_arguments',
          line.number,
          name,
          `text after the opening tag <${name}> is not allowed`
        )
      }
      const block = readBlock(lines, i, name, line.number, issues)
      i = block.next
      if (block.body === null) continue
      const children =
        name === 'connection' && !insideConnection
          ? parseLines(block.lines, limits, issues, true)
          : []
      options.push({
        name,
        args: [block.body],
        line: line.number,
        inline: true,
        meta: false,
        children,
      })
      continue
    }
    if (first.startsWith('</')) {
      issues.error(
        'unexpected_close_tag',
        line.number,
        null,
        `closing tag ${quote(first)} without a matching opening tag`
      )
      continue
    }
    const name = first.startsWith('--') ? first.slice(2) : first
    if (name.length > limits.maxDirectiveLength) {
      issues.error(
        'directive_too_long',
        line.number,
        null,
        `directive name ${quote(name)} is ${name.length} characters long, the limit is ${limits.maxDirectiveLength}`
      )
      continue
    }
    if (!DIRECTIVE_NAME.test(name)) {
      issues.error(
        'invalid_directive_name',
        line.number,
        null,
        `${quote(name)} is not a directive name (letters, digits, '-', '_', '.')`
      )
      continue
    }
    options.push({ name, args: rest, line: line.number, inline: false, meta: false, children: [] })
  }
  return options
}

interface Block {
  /** The body, or null when the block was not closed. */
  readonly body: string | null
  readonly lines: Line[]
  /** Index of the first line after the block (or where parsing resumes). */
  readonly next: number
}

function readBlock(
  lines: readonly Line[],
  start: number,
  name: string,
  openLine: number,
  issues: IssueCollector
): Block {
  const body: Line[] = []
  for (let j = start; j < lines.length; j++) {
    const line = lines[j] as Line
    if (isCloseTag(line.text, name)) {
      const after = line.text
        .trimStart()
        .slice(name.length + 3)
        .trim()
      if (after !== '') {
        issues.warn(
          'ignored',
          line.number,
          name,
          `text after the closing tag </${name}> is ignored: ${quote(after)}`
        )
      }
      return { body: body.map((l) => `${l.text}\n`).join(''), lines: body, next: j + 1 }
    }
    // Recovery: another block opening (or a foreign closing tag) means this one was never
    // closed; report it and resume at that line so later blocks are still checked. Inside
    // <connection>, other inline blocks are allowed and copied verbatim.
    const trimmed = line.text.trim()
    const other = knownOpenTag(trimmed)
    const close = /^<\/([^<>/\s]+)>/.exec(trimmed)?.[1]
    if (name === 'connection' && other !== null && other !== 'connection') {
      const inner = readBlock(lines, j + 1, other, line.number, issues)
      // A broken inner block (already reported) is left out; the connection block goes on.
      if (inner.body !== null) for (let k = j; k < inner.next; k++) body.push(lines[k] as Line)
      j = inner.next - 1
      continue
    }
    const foreignClose =
      name !== 'connection' &&
      close !== undefined &&
      close !== name &&
      INLINE_BLOCK_NAMES.has(close)
    if (other !== null || foreignClose) {
      const why =
        other === 'connection' && name === 'connection'
          ? '<connection> blocks cannot be nested'
          : `<${name}> is not closed with </${name}> before line ${line.number}`
      issues.error('unterminated_block', openLine, name, why)
      return { body: null, lines: [], next: j }
    }
    body.push(line)
  }
  issues.error(
    'unterminated_block',
    openLine,
    name,
    `<${name}> is not closed: </${name}> missing before the end of the profile`
  )
  return { body: null, lines: [], next: lines.length }
}

function parseMeta(comment: string, line: number): RawOption | null {
  const m = /^#\s*OVPN_ACCESS_SERVER_([A-Za-z0-9_]+)=(.*)$/.exec(comment)
  if (m === null) return null
  return {
    name: m[1] as string,
    args: [m[2] as string],
    line,
    inline: false,
    meta: true,
    children: [],
  }
}
