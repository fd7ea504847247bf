/**
 * Output helpers: upstream's date format with fixed English names (checked against Intl's
 * en-US names for every weekday and month), the fallback for "never", aligned fields.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createOutput, formatTime } from './output.js'

void test('formatTime prints asctime-style local times with English names', () => {
  // one timestamp per day for 400 days: every weekday and month, both kinds of years
  const start = Date.UTC(2027, 11, 20, 13, 4, 5) / 1000
  for (let i = 0; i < 400; i++) {
    const secs = start + i * 86_400
    const d = new Date(secs * 1000)
    const p = (x: number) => String(x).padStart(2, '0')
    const want =
      `${d.toLocaleDateString('en-US', { weekday: 'short' })} ` +
      `${d.toLocaleDateString('en-US', { month: 'short' })} ${p(d.getDate())} ` +
      `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} ${d.getFullYear()}`
    assert.equal(formatTime(secs), want)
    assert.equal(formatTime(BigInt(secs)), want)
  }
  assert.equal(formatTime(0), 'Never')
  assert.equal(formatTime(0n, ''), '')
})

void test('fields are right-aligned to the longest label', () => {
  let text = ''
  const out = createOutput({ write: (s: string) => (text += s) }, { write: () => true })
  out.fields([
    ['Name', 'x'],
    ['Last used', 'y'],
  ])
  assert.equal(text, '     Name: x\nLast used: y\n')
})
