/**
 * Builders for the management commands a server-side daemon sends, enforcing the server's lexer
 * and parser limits: lines < 1024 bytes, tokens <= 256 characters, no control characters,
 * free text double-quoted with `\` and `"` escaped, CID/KID validated (spec 2.2, 2.5, 10).
 */
import { MGMT_MAX_LINE_BYTES, MGMT_MAX_PARAMS, MGMT_MAX_TOKEN_CHARS } from '../constants.js'
import { CommandTooLongError, InvalidCommandArgumentError } from '../errors.js'

/** Remove bytes the server would drop or that would end the line (spec 2.2 input filter). */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f]/g, ' ')
}

/** Truncate a free-text value so its token fits, counting characters as the server does (bytes). */
export function fitToken(text: string, max = MGMT_MAX_TOKEN_CHARS): string {
  let s = stripControl(text)
  while (Buffer.byteLength(s) > max) s = s.slice(0, Math.max(0, s.length - 1))
  return s
}

/** Quote one free-text parameter; throws if it cannot fit in one token. */
export function quote(text: string): string {
  const clean = stripControl(text)
  if (Buffer.byteLength(clean) > MGMT_MAX_TOKEN_CHARS) {
    throw new CommandTooLongError(
      `parameter of ${Buffer.byteLength(clean)} bytes exceeds ${MGMT_MAX_TOKEN_CHARS}: "${clean.slice(0, 40)}…"`
    )
  }
  return `"${clean.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`
}

function id(value: number, what: string): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new InvalidCommandArgumentError(
      `${what} must be an unsigned 32-bit integer, got ${value}`
    )
  }
  return String(value)
}

/** Check one complete line against the server limits. */
export function checkLine(line: string): string {
  if (/[\r\n]/.test(line))
    throw new InvalidCommandArgumentError(`line contains CR/LF: ${line.slice(0, 40)}`)
  if (Buffer.byteLength(line) > MGMT_MAX_LINE_BYTES - 1) {
    throw new CommandTooLongError(
      `line of ${Buffer.byteLength(line)} bytes exceeds ${MGMT_MAX_LINE_BYTES - 1}`
    )
  }
  return line
}

export function clientAuthNt(cid: number, kid: number): string {
  return checkLine(`client-auth-nt ${id(cid, 'CID')} ${id(kid, 'KID')}`)
}

/**
 * `client-auth` with a config block, sent as one write (spec 2.5). Each config line is checked;
 * a line that fails the check rejects the whole block (never partially applied).
 */
export function clientAuth(cid: number, kid: number, config: readonly string[]): string {
  const lines = [checkLine(`client-auth ${id(cid, 'CID')} ${id(kid, 'KID')}`)]
  for (const c of config) {
    const t = c.trim()
    if (t === '' || t === 'END')
      throw new InvalidCommandArgumentError(`illegal config line: "${t}"`)
    if (t.split(/\s+/).length > MGMT_MAX_PARAMS)
      throw new CommandTooLongError(`too many parameters: ${t}`)
    lines.push(checkLine(t))
  }
  lines.push('END')
  return lines.join('\n')
}

export function clientDeny(
  cid: number,
  kid: number,
  logReason: string,
  clientReason?: string
): string {
  const parts = [`client-deny ${id(cid, 'CID')} ${id(kid, 'KID')}`, quote(fitToken(logReason))]
  if (clientReason !== undefined) parts.push(quote(clientReason))
  return checkLine(parts.join(' '))
}

export function clientPendingAuth(
  cid: number,
  kid: number,
  extra: string,
  timeoutS: number
): string {
  return checkLine(
    `client-pending-auth ${id(cid, 'CID')} ${id(kid, 'KID')} ${quote(extra)} ${id(timeoutS, 'timeout')}`
  )
}

/** `client-kill <CID> [HALT|RESTART][,reason]` (spec 7.2). */
export function clientKill(cid: number, message?: string): string {
  if (message === undefined) return checkLine(`client-kill ${id(cid, 'CID')}`)
  return checkLine(`client-kill ${id(cid, 'CID')} ${quote(message)}`)
}

/** Build the CRV1 dynamic challenge client reason (spec 6.2). */
export function crv1Challenge(
  stateId: string,
  username: string,
  text: string,
  echo: boolean
): string {
  if (stateId.includes(':'))
    throw new InvalidCommandArgumentError('CRV1 state id must not contain ":"')
  const flags = echo ? 'R,E' : 'R'
  return `CRV1:${flags}:${stateId}:${Buffer.from(username).toString('base64')}:${stripControl(text)}`
}

/** Parse `CRV1::<state_id>::<response>` from a password field (spec 6.2 step 3). */
export function parseCrv1Response(
  password: string
): { stateId: string; response: string } | undefined {
  const m = /^CRV1::([^:]+)::(.*)$/s.exec(password)
  if (!m || m[1] === undefined || m[2] === undefined) return undefined
  return { stateId: m[1], response: m[2] }
}

/** Parse the static-challenge form `SCRV1:<b64 password>:<b64 response>` (spec 6.1). */
export function parseScrv1(password: string): { password: string; response: string } | undefined {
  const m = /^SCRV1:([A-Za-z0-9+/=]*):([A-Za-z0-9+/=]*)$/.exec(password)
  if (!m || m[1] === undefined || m[2] === undefined) return undefined
  return {
    password: Buffer.from(m[1], 'base64').toString('utf8'),
    response: Buffer.from(m[2], 'base64').toString('utf8'),
  }
}
