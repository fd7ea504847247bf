/**
 * Splits one configuration line into tokens the way OpenVPN 2.6 `parse_line` does
 * (spec openvpn-protocol.md §19.1): whitespace separates tokens; a `#` or `;` that starts a token
 * ends the line; `"…"` groups a token in which `\"`, `\\` and `\<space>` are escapes; `'…'` groups
 * a token literally; outside single quotes a backslash may escape only a backslash, a double
 * quote or whitespace, anything else is an error. Pure function, never throws.
 */

export type TokenizeResult =
  | { readonly ok: true; readonly tokens: string[] }
  | { readonly ok: false; readonly code: 'bad_quoting' | 'bad_escape'; readonly message: string }

const enum State {
  Initial,
  Unquoted,
  DoubleQuoted,
  SingleQuoted,
}

/** OpenVPN's `space()`: C `isspace` (space, \t, \n, \v, \f, \r). */
export function isSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'
}

function escapable(c: string): boolean {
  return c === '\\' || c === '"' || isSpace(c)
}

export function tokenizeLine(line: string): TokenizeResult {
  const tokens: string[] = []
  let state = State.Initial
  let token = ''
  let backslash = false
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i)
    if (!backslash && c === '\\' && state !== State.SingleQuoted) {
      backslash = true
      continue
    }
    if (backslash && !escapable(c)) {
      return {
        ok: false,
        code: 'bad_escape',
        message: `bad backslash escape '\\${c}' (only \\\\, \\" and \\<space> are escapes; write a Windows path with double backslashes)`,
      }
    }
    switch (state) {
      case State.Initial:
        if (isSpace(c) && !backslash) break
        if (!backslash && (c === '#' || c === ';')) return { ok: true, tokens }
        if (!backslash && c === '"') state = State.DoubleQuoted
        else if (!backslash && c === "'") state = State.SingleQuoted
        else {
          token = c
          state = State.Unquoted
        }
        break
      case State.Unquoted:
        if (!backslash && isSpace(c)) {
          tokens.push(token)
          token = ''
          state = State.Initial
        } else token += c
        break
      case State.DoubleQuoted:
        if (!backslash && c === '"') {
          tokens.push(token)
          token = ''
          state = State.Initial
        } else token += c
        break
      case State.SingleQuoted:
        if (c === "'") {
          tokens.push(token)
          token = ''
          state = State.Initial
        } else token += c
        break
    }
    backslash = false
  }
  if (backslash) {
    return { ok: false, code: 'bad_escape', message: 'line ends with a lone backslash' }
  }
  switch (state) {
    case State.DoubleQuoted:
      return { ok: false, code: 'bad_quoting', message: 'no closing double quote (")' }
    case State.SingleQuoted:
      return { ok: false, code: 'bad_quoting', message: "no closing single quote (')" }
    case State.Unquoted:
      tokens.push(token)
      break
    case State.Initial:
      break
  }
  return { ok: true, tokens }
}

/**
 * Render one token so that {@link tokenizeLine} reads it back unchanged: bare when it is safe,
 * otherwise in double quotes with `\` and `"` escaped.
 */
export function quoteToken(token: string): string {
  if (token !== '' && /^[^\s"'\\#;]+$/.test(token)) return token
  return `"${token.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}
