/**
 * Fuzz-style robustness test of the profile parser (guide rule 9): 20 000 inputs from a fixed-seed
 * PRNG — random bytes, random text, token soup, mutations and truncations of a valid profile —
 * must each produce a well-formed result, never an exception, within a time bound.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { PROFILE_ISSUE_CODES, type ProfileIssue } from './issues.js'
import { parseOptionList } from './option-list.js'
import { parseProfile, type ParseProfileResult } from './parse.js'
import { profileFromJson } from './export.js'
import { BASE, NOW } from './test-support.js'
import { CA_CERT, STATIC_KEY, TLS_CRYPT_V2_CLIENT_KEY } from './testdata.js'

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Directives and keys of the seed profile (no client certificate and key: cheaper to parse). */
const SEED_DIRECTIVES = `<tls-crypt-v2>\n${TLS_CRYPT_V2_CLIENT_KEY}</tls-crypt-v2>\nkey-direction 1\n<connection>\nremote b.example.net 443 tcp\n</connection>\nstatic-challenge "Code please" 1\nauth-user-pass\nroute 10.0.0.0 255.0.0.0\nsetenv opt block-outside-dns\n`
const LIGHT_PROFILE = `client\ndev tun\nremote vpn.example.net 1194\n<ca>\n${CA_CERT}</ca>\n${SEED_DIRECTIVES}`
/** The full seed: with client certificate and key (OpenSSL key parsing costs ~1–3 ms). */
const SEED_PROFILE = `${BASE}${SEED_DIRECTIVES}`

const WORDS = [
  'client',
  'dev',
  'tun',
  'tap',
  'remote',
  'proto',
  'udp',
  'tcp',
  'port',
  '1194',
  '65536',
  'cipher',
  'AES-256-GCM',
  'data-ciphers',
  'auth',
  'SHA256',
  'up',
  'script-security',
  'setenv',
  'opt',
  'UV_X',
  'route',
  '10.0.0.0',
  '255.0.0.0',
  'dhcp-option',
  'DNS',
  '<ca>',
  '</ca>',
  '<connection>',
  '</connection>',
  '<tls-auth>',
  '</tls-auth>',
  '<key>',
  '"',
  "'",
  '\\',
  '#',
  ';',
  '--',
  '-----BEGIN CERTIFICATE-----',
  '-----END CERTIFICATE-----',
  '-----BEGIN OpenVPN Static key V1-----',
  'static-challenge',
  'keepalive',
  'compress',
  'lz4',
  'redirect-gateway',
  'def1',
  'server',
  'management',
  'verb',
  '\t',
  '\r',
  '\u00e9',
  '\u{1f600}',
  '\ufeff',
]

const KINDS = ['bytes', 'text', 'soup', 'mutate', 'truncate', 'splice'] as const

function makeInput(rnd: () => number, i: number): string | Uint8Array {
  const int = (n: number) => Math.floor(rnd() * n)
  const kind = KINDS[i % KINDS.length] ?? 'bytes'
  // One seed-derived input in eight carries the full credentials, the rest the lighter seed.
  const seed = int(8) === 0 ? SEED_PROFILE : LIGHT_PROFILE
  switch (kind) {
    case 'bytes': {
      const b = Buffer.alloc(int(3000))
      for (let k = 0; k < b.length; k++) b[k] = int(256)
      return int(2) === 0 ? b : b.toString('latin1')
    }
    case 'text': {
      let s = ''
      const n = int(2000)
      for (let k = 0; k < n; k++) {
        const r = rnd()
        s += r < 0.1 ? '\n' : r < 0.15 ? ' ' : String.fromCharCode(32 + int(95))
      }
      return s
    }
    case 'soup': {
      const lines: string[] = []
      const n = int(60)
      for (let k = 0; k < n; k++) {
        const m = 1 + int(5)
        const toks: string[] = []
        for (let t = 0; t < m; t++) toks.push(WORDS[int(WORDS.length)] as string)
        lines.push(toks.join(int(4) === 0 ? '' : ' '))
      }
      return lines.join(int(3) === 0 ? '\r\n' : '\n')
    }
    case 'mutate': {
      const chars = [...seed]
      const n = 1 + int(12)
      for (let k = 0; k < n; k++) {
        const at = int(chars.length + 1)
        const op = int(4)
        if (op === 0) chars.splice(at, 1 + int(40))
        else if (op === 1) chars.splice(at, 0, WORDS[int(WORDS.length)] as string)
        else if (op === 2) chars[at] = String.fromCharCode(int(0x80))
        else chars.splice(at, 0, '\n')
      }
      return chars.join('')
    }
    case 'truncate':
      return seed.slice(0, int(seed.length + 1))
    case 'splice': {
      const lines = seed.split('\n')
      const out: string[] = []
      const n = int(lines.length * 2)
      for (let k = 0; k < n; k++) out.push(lines[int(lines.length)] as string)
      return out.join('\n') + (int(2) === 0 ? `\n<tls-auth>\n${STATIC_KEY}` : '')
    }
  }
}

const CODES = new Set<string>(PROFILE_ISSUE_CODES)

function checkIssue(i: ProfileIssue, severity: 'error' | 'warning'): void {
  assert.ok(CODES.has(i.code), `unknown code ${i.code}`)
  assert.notEqual(i.code, 'internal_error', `internal parser error: ${i.message}`)
  assert.equal(i.severity, severity)
  assert.equal(typeof i.message, 'string')
  assert.ok(i.line === null || (Number.isInteger(i.line) && i.line >= 1))
}

function checkResult(r: ParseProfileResult): void {
  assert.equal(typeof r.ok, 'boolean')
  for (const w of r.warnings) checkIssue(w, 'warning')
  if (r.ok) {
    assert.ok(r.profile.connections.length > 0)
    assert.ok(r.profile.client)
  } else {
    assert.ok(r.issues.length > 0)
    for (const i of r.issues) checkIssue(i, 'error')
  }
}

void describe('profile parser fuzz (fixed seed)', () => {
  void test('20 000 random, mutated and truncated inputs: never throws, always a result, bounded time', () => {
    const rnd = prng(0x0c0ffee)
    const count = 20_000
    let okCount = 0
    let slowest = 0
    const started = performance.now()
    for (let i = 0; i < count; i++) {
      const input = makeInput(rnd, i)
      const t0 = performance.now()
      let r: ParseProfileResult
      try {
        r = parseProfile(input, { now: NOW })
      } catch (err) {
        assert.fail(`input #${i} threw: ${String(err)}`)
      }
      const dt = performance.now() - t0
      slowest = Math.max(slowest, dt)
      // Generous for a loaded CI machine; typical is well under 5 ms.
      assert.ok(dt < 1000, `input #${i} took ${dt.toFixed(1)} ms`)
      checkResult(r)
      if (r.ok) okCount += 1
    }
    const total = performance.now() - started
    // Some truncations keep the profile whole and some mutations are harmless: both paths run.
    assert.ok(okCount > 0, 'no input parsed successfully')
    assert.ok(okCount < count, 'every input parsed successfully')
    assert.ok(total < 180_000, `total ${total.toFixed(0)} ms`)
    console.log(
      `fuzz: ${count} inputs, ${okCount} parsed ok, total ${total.toFixed(0)} ms, slowest ${slowest.toFixed(1)} ms`
    )
  })

  void test('every truncation of a valid profile yields a result', () => {
    for (let n = 0; n <= SEED_PROFILE.length; n += 7) {
      checkResult(parseProfile(SEED_PROFILE.slice(0, n), { now: NOW }))
    }
  })

  void test('the grammar alone and the JSON importer survive the same inputs', () => {
    const rnd = prng(42)
    for (let i = 0; i < 3000; i++) {
      const input = makeInput(rnd, i)
      const r = parseOptionList(input)
      assert.equal(typeof r.ok, 'boolean')
      const json = profileFromJson({
        remote: [String(input).slice(0, 200)],
        ca: [String(input).slice(0, 500)],
      })
      assert.equal(typeof json.ok, 'boolean')
    }
  })

  void test('a 10 MB input is rejected fast, as text and as bytes', () => {
    const text = 'remote vpn.example.net 1194\n'.repeat(400_000)
    assert.ok(text.length > 10_000_000)
    const t0 = performance.now()
    const r = parseProfile(text)
    const dt = performance.now() - t0
    assert.equal(r.ok, false)
    assert.equal(!r.ok && r.issues[0]?.code, 'too_large')
    assert.match(!r.ok ? (r.issues[0]?.message ?? '') : '', /limit is 262144 bytes/)
    // The check is a length comparison before any splitting: microseconds; the bound leaves
    // room for a loaded machine.
    assert.ok(dt < 250, `took ${dt.toFixed(1)} ms`)
    const bytes = Buffer.from(text)
    const t1 = performance.now()
    const b = parseProfile(bytes)
    const dtBytes = performance.now() - t1
    assert.equal(!b.ok && b.issues[0]?.code, 'too_large')
    assert.ok(dtBytes < 250, `took ${dtBytes.toFixed(1)} ms`)
    console.log(`10 MB rejected in ${dt.toFixed(3)} ms (text), ${dtBytes.toFixed(3)} ms (bytes)`)
    // Just under the limit in characters but over it in UTF-8 bytes.
    const wide = parseProfile(`setenv X ${'\u00e9'.repeat(200)}\n`.repeat(1000))
    assert.equal(!wide.ok && wide.issues[0]?.code, 'too_large')
  })

  void test('a maximum-size profile of valid lines parses within a second', () => {
    const filler = 'route 10.0.0.0 255.0.0.0\n'
    const n = Math.floor((262_144 - BASE.length - 100) / filler.length)
    const text = filler.repeat(n) + BASE
    const t0 = performance.now()
    const r = parseProfile(text, { now: NOW })
    const dt = performance.now() - t0
    assert.equal(r.ok, true)
    assert.equal(r.ok && r.profile.routing.routes.length, n)
    assert.ok(dt < 1000, `took ${dt.toFixed(0)} ms`)
    console.log(`max-size profile: ${text.length} bytes, ${n + 10} lines, ${dt.toFixed(0)} ms`)
  })

  void test('pathological shapes stay linear: many open tags, quotes, huge issue counts', () => {
    const shapes = [
      '<ca>\n'.repeat(50_000),
      '<connection>\n'.repeat(50_000),
      '"\n'.repeat(100_000),
      'x '.repeat(250) + '\n',
      `${'<connection>\n<ca>\n'.repeat(10_000)}`,
      'up /bin/sh\n'.repeat(20_000),
    ]
    for (const s of shapes) {
      const t0 = performance.now()
      const r = parseProfile(s.slice(0, 262_000))
      const dt = performance.now() - t0
      assert.equal(r.ok, false)
      assert.ok(!r.ok && r.issues.length <= 202)
      assert.ok(dt < 1000, `shape ${JSON.stringify(s.slice(0, 20))} took ${dt.toFixed(0)} ms`)
    }
  })
})
