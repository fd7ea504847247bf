/**
 * @module session/control-message
 * Text messages over the TLS control channel after key method 2 (spec §11, §17): NUL
 * splitting and classification by prefix, in the order 2.6 uses.
 */

export type ControlMessage =
  | { kind: 'auth-failed'; reason: string }
  | { kind: 'push-reply'; text: string }
  | { kind: 'push-update'; text: string }
  | { kind: 'restart'; flags: string; message: string }
  | { kind: 'halt'; flags: string; message: string }
  | { kind: 'info-pre'; extra: string }
  | { kind: 'info'; text: string }
  | { kind: 'auth-pending'; timeout?: number }
  | { kind: 'exit' }
  | { kind: 'other'; text: string }

/** Splits a cleartext stream on NUL; returns complete messages and the unfinished rest. */
export function splitMessages(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = []
  let start = 0
  for (let i = 0; i < buf.length; i++) {
    if (buf[i] === 0) {
      const text = buf
        .subarray(start, i)
        .toString('utf8')
        .replace(/[\r\n]+$/, '')
      if (text.length > 0) messages.push(text)
      start = i + 1
    }
  }
  return { messages, rest: Buffer.from(buf.subarray(start)) }
}

function signal(text: string, prefix: string): { flags: string; message: string } {
  let rest = text.slice(prefix.length).replace(/^,/, '')
  let flags = ''
  const m = /^\[([^\]]*)\]/.exec(rest)
  if (m) {
    flags = m[1] ?? ''
    rest = rest.slice(m[0].length)
  }
  return { flags, message: rest }
}

export function classifyMessage(text: string): ControlMessage {
  if (text.startsWith('AUTH_FAILED')) {
    return { kind: 'auth-failed', reason: text.slice('AUTH_FAILED'.length).replace(/^,/, '') }
  }
  if (text.startsWith('PUSH_REPLY')) return { kind: 'push-reply', text }
  if (text.startsWith('PUSH_UPDATE')) return { kind: 'push-update', text }
  if (text.startsWith('RESTART')) return { kind: 'restart', ...signal(text, 'RESTART') }
  if (text.startsWith('HALT')) return { kind: 'halt', ...signal(text, 'HALT') }
  if (text.startsWith('INFO_PRE')) return { kind: 'info-pre', extra: text.slice(9) }
  if (text.startsWith('INFO')) return { kind: 'info', text: text.slice(5) }
  if (text.startsWith('AUTH_PENDING')) {
    const m = /timeout (\d+)/.exec(text)
    return m?.[1] ? { kind: 'auth-pending', timeout: Number(m[1]) } : { kind: 'auth-pending' }
  }
  if (text === 'EXIT' || text.startsWith('EXIT,')) return { kind: 'exit' }
  return { kind: 'other', text }
}
