/**
 * Which runs the launcher takes from the bundle (launch.ts): every run that loads a command
 * module; not the command list or plain `version`, which need no D-Bus code.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { wantsBundle } from './launch.js'

void test('the bundle is used exactly for runs that load a command module', () => {
  for (const argv of [[], ['help'], ['--help'], ['-h'], ['--list-commands'], ['version']])
    assert.equal(wantsBundle(argv), false, argv.join(' '))
  for (const argv of [
    ['session-start', '--config', 'x'],
    ['help', 'session-start'],
    ['version', '--services'],
    ['--list-options', 'log'],
    ['sessions-list'],
    ['no-such-command'],
  ])
    assert.equal(wantsBundle(argv), true, argv.join(' '))
})
