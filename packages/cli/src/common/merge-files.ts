/**
 * Inline the files a profile refers to (spec dbus-api.md §3.1: the service wants a complete
 * profile with every file inline; upstream's CLI merges them the same way before `Import`).
 * `ca ca.crt` becomes `<ca>…</ca>`, relative paths are read from the profile's directory
 * with the CLI user's own rights; `tls-auth FILE DIR` also gets `key-direction DIR`. The
 * directive's line is left empty and the blocks are appended at the end, so the line numbers
 * the service reports still match the user's file.
 */
import { readFileSync } from 'node:fs'
import { dirname, isAbsolute, join } from 'node:path'
import { CliError } from '../framework/errors.js'

const FILE_OPTIONS = new Set([
  'ca',
  'cert',
  'key',
  'extra-certs',
  'tls-auth',
  'tls-crypt',
  'tls-crypt-v2',
  'dh',
  'pkcs12',
  'crl-verify',
])

/** Largest file we inline (the whole profile is limited to 256 KiB by the service). */
const MAX_FILE = 256 * 1024

function unquote(s: string): string {
  const m = /^"(.*)"$|^'(.*)'$/.exec(s)
  return m ? (m[1] ?? m[2] ?? '') : s.replace(/\\(.)/g, '$1')
}

export function mergeReferencedFiles(text: string, profileFile: string): string {
  const base = dirname(profileFile)
  const lines = text.split('\n')
  const out: string[] = []
  const tail: string[] = []
  let inBlock: string | null = null
  for (const line of lines) {
    const t = line.trim()
    if (inBlock) {
      out.push(line)
      if (t === `</${inBlock}>`) inBlock = null
      continue
    }
    const open = /^<([A-Za-z0-9-]+)>$/.exec(t)
    if (open) {
      inBlock = open[1] ?? null
      out.push(line)
      continue
    }
    const m = /^(?:--)?([a-z0-9-]+)\s+("[^"]*"|'[^']*'|\S+)(?:\s+(\S+))?\s*$/.exec(t)
    const name = m?.[1]
    const arg = m?.[2]
    if (!m || !name || !arg || !FILE_OPTIONS.has(name) || arg === '[inline]') {
      out.push(line)
      continue
    }
    const file = unquote(arg)
    const path = isAbsolute(file) ? file : join(base, file)
    let body: string
    try {
      const buf = readFileSync(path)
      if (buf.length > MAX_FILE) throw new CliError(`${path}: file is too large to inline`)
      body = buf.toString('utf8')
    } catch (err) {
      if (err instanceof CliError) throw err
      throw new CliError(
        `Could not read '${file}' (referenced by '${name}'): ${(err as Error).message}`
      )
    }
    out.push('')
    if (name === 'tls-auth' && m[3] !== undefined) tail.push(`key-direction ${m[3]}`)
    tail.push(`<${name}>`, body.replace(/\n$/, ''), `</${name}>`)
  }
  if (tail.length > 0 && out[out.length - 1] === '') out.pop()
  return [...out, ...tail, ''].join('\n')
}
