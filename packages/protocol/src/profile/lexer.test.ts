import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { quoteToken, tokenizeLine } from './lexer.js'

function tokens(line: string): string[] {
  const r = tokenizeLine(line)
  if (!r.ok) return assert.fail(r.message)
  return r.tokens
}

void describe('tokenizeLine (OpenVPN 2.6 parse_line rules, spec §19.1)', () => {
  void test('whitespace separates tokens; tabs and CR count as whitespace', () => {
    assert.deepEqual(tokens('remote  host\t1194 udp\r'), ['remote', 'host', '1194', 'udp'])
  })
  void test('# and ; starting a token end the line; inside a token they are literal', () => {
    assert.deepEqual(tokens('verb 3 # comment'), ['verb', '3'])
    assert.deepEqual(tokens('verb 3 ; comment'), ['verb', '3'])
    assert.deepEqual(tokens('setenv A b#c;d'), ['setenv', 'A', 'b#c;d'])
    assert.deepEqual(tokens('# whole line'), [])
  })
  void test('double quotes group, with \\" \\\\ and \\<space> escapes', () => {
    assert.deepEqual(tokens('static-challenge "Enter \\"OTP\\" code" 1'), [
      'static-challenge',
      'Enter "OTP" code',
      '1',
    ])
    assert.deepEqual(tokens('x "a\\\\b"'), ['x', 'a\\b'])
    assert.deepEqual(tokens('x "a # not a comment"'), ['x', 'a # not a comment'])
    assert.deepEqual(tokens('x ""'), ['x', ''])
  })
  void test('single quotes group literally (no escapes)', () => {
    assert.deepEqual(tokens('x \'a\\b "c"\''), ['x', 'a\\b "c"'])
  })
  void test('outside quotes a backslash escapes a space, a quote or a backslash', () => {
    assert.deepEqual(tokens('x a\\ b c\\\\d e\\"f'), ['x', 'a b', 'c\\d', 'e"f'])
  })
  void test('a closing quote ends the token', () => {
    assert.deepEqual(tokens('x "ab"cd'), ['x', 'ab', 'cd'])
  })
  void test('other backslash escapes are errors (Windows paths need doubled backslashes)', () => {
    const r = tokenizeLine('ca C:\\path\\ca.crt')
    assert.equal(r.ok, false)
    assert.equal(!r.ok && r.code, 'bad_escape')
    const q = tokenizeLine('x "a\\n"')
    assert.equal(!q.ok && q.code, 'bad_escape')
  })
  void test('unterminated quotes and a trailing backslash are errors', () => {
    assert.equal(tokenizeLine('x "abc').ok, false)
    assert.equal(tokenizeLine("x 'abc").ok, false)
    const r = tokenizeLine('x abc\\')
    assert.equal(!r.ok && r.code, 'bad_escape')
  })
  void test('quoteToken output reads back unchanged', () => {
    for (const t of ['plain', '', 'a b', 'a"b', 'a\\b', '#x', ';x', "it's", 'tab\there']) {
      assert.deepEqual(tokens(`x ${quoteToken(t)}`), ['x', t], `token ${JSON.stringify(t)}`)
    }
  })
})
