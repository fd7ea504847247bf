import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { parseOptionList } from './option-list.js'
import { BASE, parseFails, parseOk } from './test-support.js'

function opts(text: string) {
  const r = parseOptionList(text)
  assert.equal(r.ok, true, JSON.stringify(r.issues))
  return r.options.map((o) => ({ name: o.name, args: [...o.args], line: o.line }))
}

void describe('parseOptionList: lines, comments and limits (spec §19.1, dbus-api §3.1)', () => {
  void test('comments, blank lines and the -- prefix; line numbers count every line', () => {
    const text = '# comment\n; other\n\n--client\n  dev   tun   # trailing\nverb 3\n'
    assert.deepEqual(opts(text), [
      { name: 'client', args: [], line: 4 },
      { name: 'dev', args: ['tun'], line: 5 },
      { name: 'verb', args: ['3'], line: 6 },
    ])
  })

  void test('CRLF line ends and a UTF-8 BOM are accepted', () => {
    const text = '\ufeffclient\r\ndev tun\r\n<ca>\r\nAAA\r\n</ca>\r\nverb 4\r\n'
    const r = parseOptionList(text)
    assert.equal(r.ok, true)
    assert.deepEqual(
      r.options.map((o) => [o.name, o.line]),
      [
        ['client', 1],
        ['dev', 2],
        ['ca', 3],
        ['verb', 6],
      ]
    )
    assert.equal(r.options[2]?.args[0], 'AAA\n')
  })

  void test('a whole CRLF profile parses to the same profile as the LF one', () => {
    const lf = parseOk(BASE).profile
    const crlf = parseOk(BASE.replace(/\n/g, '\r\n')).profile
    assert.equal(crlf.ca[0]?.fingerprint256, lf.ca[0]?.fingerprint256)
    assert.equal(crlf.key?.pem, lf.key?.pem)
  })

  void test('UTF-8 bytes are accepted; invalid UTF-8 is an issue', () => {
    assert.equal(parseOptionList(Buffer.from('client\ndev tun\n')).ok, true)
    const r = parseOptionList(Buffer.from([0x63, 0xff, 0xfe, 0x0a]))
    assert.equal(r.ok, false)
    assert.equal(r.issues[0]?.code, 'invalid_encoding')
  })

  void test('input that is neither text nor bytes is an issue, not an exception', () => {
    const bads: unknown[] = [null, undefined, 42, {}, ['client']]
    for (const bad of bads) {
      const r = parseOptionList(bad as string)
      assert.equal(r.ok, false)
      assert.equal(r.issues[0]?.code, 'invalid_encoding')
    }
  })

  void test('profile, line and directive size limits', () => {
    const big = parseOptionList('verb 3\n'.repeat(40_000))
    assert.equal(big.issues[0]?.code, 'too_large')
    const long = parseOptionList(`client\nsetenv X ${'a'.repeat(600)}\n`)
    assert.deepEqual(
      long.issues.map((i) => [i.code, i.line]),
      [['line_too_long', 2]]
    )
    const name = parseOptionList(`${'x'.repeat(65)} 1\n`)
    assert.equal(name.issues[0]?.code, 'directive_too_long')
    const custom = parseOptionList('verb 3\n', { maxProfileBytes: 4 })
    assert.equal(custom.issues[0]?.code, 'too_large')
  })

  void test('control characters (binary data) are reported with their line', () => {
    const r = parseOptionList('client\ndev\u0000tun\nverb 3\n')
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.line]),
      [['control_character', 2]]
    )
    assert.match(r.issues[0]?.message ?? '', /0x00/)
  })

  void test('quoting errors carry their line', () => {
    const r = parseOptionList('client\nstatic-challenge "no end 1\nca C:\\x\n')
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.line]),
      [
        ['bad_quoting', 2],
        ['bad_escape', 3],
      ]
    )
  })

  void test('a name that is not a directive name is a grammar error', () => {
    const r = parseOptionList('client\n\u00ff\u00fe x\n')
    assert.equal(r.issues[0]?.code, 'invalid_directive_name')
    assert.equal(r.issues[0]?.line, 2)
  })

  void test('Access Server meta comments become meta options', () => {
    const r = parseOptionList('# OVPN_ACCESS_SERVER_FRIENDLY_NAME=My VPN\n# other comment\n')
    assert.deepEqual(
      r.options.map((o) => [o.name, o.args[0], o.meta]),
      [['FRIENDLY_NAME', 'My VPN', true]]
    )
  })

  void test('the issue list is capped', () => {
    const r = parseOptionList('x "\n'.repeat(500), { maxIssues: 10 })
    assert.equal(r.issues.length, 11)
    assert.equal(r.issues[10]?.code, 'too_many_issues')
    assert.match(r.issues[10]?.message ?? '', /490 more error/)
  })
})

void describe('parseOptionList: inline blocks (spec §19.2)', () => {
  void test('a block body keeps its lines with newlines; the option takes the tag line', () => {
    const r = parseOptionList('client\n<ca>\nline one\n  line two\n</ca>\nverb 1\n')
    const ca = r.options[1]
    assert.equal(ca?.name, 'ca')
    assert.equal(ca?.inline, true)
    assert.equal(ca?.line, 2)
    assert.equal(ca?.args[0], 'line one\n  line two\n')
    assert.equal(r.options[2]?.line, 6)
  })

  void test('closing tag with leading blanks; trailing text is warned about', () => {
    const r = parseOptionList('<ca>\nX\n   </ca> junk\n')
    assert.equal(r.ok, true)
    assert.equal(r.options[0]?.args[0], 'X\n')
    assert.equal(r.warnings[0]?.code, 'ignored')
    assert.equal(r.warnings[0]?.line, 3)
  })

  void test('an unterminated block at the end is an error at its opening line', () => {
    const r = parseOptionList('client\n<key>\n-----BEGIN PRIVATE KEY-----\nAAAA\n')
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.line, i.directive]),
      [['unterminated_block', 2, 'key']]
    )
    assert.equal(r.options.length, 1)
  })

  void test('an unterminated block followed by another block: both are still checked', () => {
    const r = parseOptionList('<ca>\nAAA\n<cert>\nBBB\n</cert>\n<key>\nCCC\n</key>\n')
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.line]),
      [['unterminated_block', 1]]
    )
    assert.deepEqual(
      r.options.map((o) => [o.name, o.line]),
      [
        ['cert', 3],
        ['key', 6],
      ]
    )
  })

  void test('a closing tag of another block also ends an unterminated block', () => {
    const r = parseOptionList('<ca>\nAAA\n</cert>\nverb 3\n')
    assert.equal(r.issues[0]?.code, 'unterminated_block')
    assert.equal(r.issues[1]?.code, 'unexpected_close_tag')
  })

  void test('unexpected closing tag and text after an opening tag', () => {
    const r = parseOptionList('</ca>\n<ca> extra\nAAA\n</ca>\n')
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.line]),
      [
        ['unexpected_close_tag', 1],
        ['block_extra_arguments', 2],
      ]
    )
  })

  void test('<connection> blocks carry their options (with real line numbers), nested blocks too', () => {
    const text = [
      'client',
      '<connection>',
      'remote a.example 1194 udp',
      '<tls-auth>',
      'KEY',
      '</tls-auth>',
      '</connection>',
      '<connection>',
      'remote b.example 443',
      'proto tcp',
      '</connection>',
    ].join('\n')
    const r = parseOptionList(text)
    assert.equal(r.ok, true, JSON.stringify(r.issues))
    const [, c1, c2] = r.options
    assert.deepEqual(
      c1?.children.map((o) => [o.name, o.line, o.inline]),
      [
        ['remote', 3, false],
        ['tls-auth', 4, true],
      ]
    )
    assert.deepEqual(
      c2?.children.map((o) => [o.name, o.line]),
      [
        ['remote', 9],
        ['proto', 10],
      ]
    )
  })

  void test('an unclosed block inside <connection> is reported; the connection still closes', () => {
    const r = parseOptionList('<connection>\nremote a\n<tls-auth>\nKEY\n</connection>\nverb 3\n')
    assert.deepEqual(
      r.issues.map((i) => [i.code, i.line, i.directive]),
      [['unterminated_block', 3, 'tls-auth']]
    )
    assert.deepEqual(
      r.options.map((o) => [o.name, o.children.map((c) => c.name)]),
      [
        ['connection', ['remote']],
        ['verb', []],
      ]
    )
  })

  void test('nested <connection> is an error', () => {
    const r = parseOptionList('<connection>\nremote a\n<connection>\nremote b\n</connection>\n')
    assert.equal(r.issues[0]?.code, 'unterminated_block')
    assert.match(r.issues[0]?.message ?? '', /cannot be nested/)
  })

  void test('duplicated <cert> blocks are refused with both lines', () => {
    const cert = BASE.slice(BASE.indexOf('<cert>'), BASE.indexOf('</cert>') + 8)
    const issues = parseFails(`${BASE}${cert}`, 'duplicate_option', undefined, 'cert')
    assert.match(issues[0]?.message ?? '', /also at line/)
  })
})
