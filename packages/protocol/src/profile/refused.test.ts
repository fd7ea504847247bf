import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { DANGEROUS_DIRECTIVES, SERVER_ONLY_DIRECTIVES, refusal } from './refused.js'
import { BASE, parseFails, withLines } from './test-support.js'

void describe('dangerous directives are refused with a reason', () => {
  for (const name of DANGEROUS_DIRECTIVES) {
    void test(`refuses '${name}'`, () => {
      const issues = parseFails(withLines(`${name} /tmp/x`), 'dangerous_directive', 1, name)
      const issue = issues.find((i) => i.code === 'dangerous_directive')
      assert.match(issue?.message ?? '', /^refused: .+; not allowed in a client profile$/)
    })
  }
  void test('the list covers scripts, plugins and management', () => {
    for (const name of [
      'script-security',
      'up',
      'down',
      'route-up',
      'ipchange',
      'tls-verify',
      'plugin',
      'learn-address',
      'client-connect',
      'auth-user-pass-verify',
      'management',
      'management-external-key',
    ]) {
      assert.equal(refusal(name)?.kind, 'dangerous', name)
    }
    assert.equal(refusal('management-anything-new')?.kind, 'dangerous')
  })
  void test("'setenv opt' does not make a dangerous directive acceptable", () => {
    parseFails(withLines('setenv opt up /bin/sh'), 'dangerous_directive', 1, 'up')
    parseFails(withLines('setenv opt script-security 2'), 'dangerous_directive', 1)
  })
  void test('dangerous directives inside a <connection> block are refused too', () => {
    const text = withLines(
      '<connection>\nremote a.example.net\nup /bin/sh\n</connection>',
      BASE.replace('remote vpn.example.net 1194\n', '')
    )
    parseFails(text, 'dangerous_directive', 3, 'up')
  })
  void test('quoted or --prefixed forms are caught as well', () => {
    parseFails(withLines('--up "/bin/sh -c id"'), 'dangerous_directive', 1, 'up')
  })
})

void describe('server-only directives are refused', () => {
  for (const name of SERVER_ONLY_DIRECTIVES) {
    void test(`refuses '${name}'`, () => {
      parseFails(withLines(`${name} 10.8.0.0 255.255.255.0`), 'server_only', 1, name)
    })
  }
})
