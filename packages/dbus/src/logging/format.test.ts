/** Line formats (format.ts): cleaning (spec §2.11), prefixes (§2.6), priorities, levels. */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { LogCategory, LogGroup } from '../enums.js'
import {
  InvalidLogLevelError,
  MAX_MESSAGE_LENGTH,
  categoryPriority,
  checkLogLevel,
  cleanLogText,
  formatLogLine,
  journalLine,
} from './format.js'

void describe('log line format', () => {
  void test('cleanLogText removes control characters and trailing newlines, caps length', () => {
    assert.equal(cleanLogText('a\nb\tc\u0007d\n\n'), 'a b c d')
    const long = cleanLogText('x'.repeat(MAX_MESSAGE_LENGTH + 10))
    assert.ok(long.endsWith('[truncated]'))
  })

  void test('journal line carries the sd-daemon priority prefix and upstream prefix', () => {
    const ev = { group: LogGroup.NETCFG, category: LogCategory.WARN, message: 'm', tag: 'svc' }
    assert.equal(journalLine(ev), '<4>Network Configuration WARNING: m')
    assert.equal(journalLine(ev, { tag: true }), '<4>svc Network Configuration WARNING: m')
    assert.equal(
      formatLogLine({ ...ev, sessionToken: 'tok' }),
      'Network Configuration WARNING: m {session:tok}'
    )
    assert.match(formatLogLine(ev, { timestamp: true }), /^\d{4}-\d\d-\d\dT/)
    assert.equal(categoryPriority(LogCategory.DEBUG), 7)
    assert.equal(categoryPriority(LogCategory.ERROR), 3)
    assert.equal(categoryPriority(LogCategory.CRIT), 2)
    assert.equal(categoryPriority(99), 6)
  })

  void test('levels 0–6 only', () => {
    assert.equal(checkLogLevel(0), 0)
    assert.equal(checkLogLevel(6), 6)
    assert.throws(() => checkLogLevel(7), InvalidLogLevelError)
    assert.throws(() => checkLogLevel(-1), InvalidLogLevelError)
    assert.throws(() => checkLogLevel(2.5), InvalidLogLevelError)
  })
})
