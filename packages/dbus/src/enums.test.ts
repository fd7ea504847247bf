/**
 * Enum values and display strings against the spec tables (spec §2, code values).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import {
  ClientAttentionGroup,
  ClientAttentionType,
  ConfigManagerEventType,
  LogCategory,
  LogGroup,
  NetCfgChangeType,
  SessionManagerEventType,
  StatusMajor,
  StatusMinor,
  logCategoryPasses,
  logPrefix,
} from './enums.js'

void describe('wire enums (spec §2)', () => {
  void test('StatusMajor §2.1', () => {
    assert.deepEqual(
      StatusMajor.table.map(([n, v]) => `${n}=${v}`),
      ['UNSET=0', 'CONFIG=1', 'CONNECTION=2', 'SESSION=3', 'PKCS11=4', 'PROCESS=5']
    )
    assert.equal(StatusMajor.display(4), 'PKCS#11')
  })
  void test('StatusMinor §2.2: 0…29 in order, spot values and displays', () => {
    assert.deepEqual(
      StatusMinor.table.map(([, v]) => v),
      Array.from({ length: 30 }, (_, i) => i)
    )
    assert.equal(StatusMinor.CFG_REQUIRE_USER, 4)
    assert.equal(StatusMinor.CONN_CONNECTED, 7)
    assert.equal(StatusMinor.CONN_DONE, 16)
    assert.equal(StatusMinor.SESS_AUTH_URL, 22)
    assert.equal(StatusMinor.PROC_KILLED, 29)
    assert.equal(StatusMinor.display(12), 'Client reconnect')
    assert.equal(StatusMinor.display(18), 'Backend Session Object completed')
  })
  void test('ClientAttentionType §2.3 includes ACCESS_PERM=3', () => {
    assert.equal(ClientAttentionType.ACCESS_PERM, 3)
    assert.equal(ClientAttentionType.display(3), 'Requesting access permission')
  })
  void test('ClientAttentionGroup §2.4 uses code values (AUTH_PENDING=6, OPEN_URL=9)', () => {
    assert.equal(ClientAttentionGroup.CHALLENGE_AUTH_PENDING, 6)
    assert.equal(ClientAttentionGroup.PKCS11_SIGN, 7)
    assert.equal(ClientAttentionGroup.PKCS11_DECRYPT, 8)
    assert.equal(ClientAttentionGroup.OPEN_URL, 9)
    assert.equal(ClientAttentionGroup.display(9), 'Web authentication')
  })
  void test('LogGroup §2.5 goes to EXTSERVICE=9', () => {
    assert.equal(LogGroup.NETCFG, 8)
    assert.equal(LogGroup.EXTSERVICE, 9)
    assert.equal(LogGroup.display(6), 'Backend Session Process')
  })
  void test('LogCategory §2.6 is shifted by one from the docs', () => {
    assert.equal(LogCategory.UNDEFINED, 0)
    assert.equal(LogCategory.DEBUG, 1)
    assert.equal(LogCategory.INFO, 4)
    assert.equal(LogCategory.FATAL, 8)
    assert.equal(LogCategory.display(5), 'WARNING')
    assert.equal(LogCategory.display(8), '**!! FATAL !!**')
  })
  void test('log level filter §2.6', () => {
    assert.equal(logCategoryPasses(3, LogCategory.INFO), true)
    assert.equal(logCategoryPasses(3, LogCategory.VERB1), false)
    assert.equal(logCategoryPasses(6, LogCategory.DEBUG), true)
    assert.equal(logCategoryPasses(0, LogCategory.ERROR), false)
    assert.equal(logCategoryPasses(0, LogCategory.CRIT), true)
    assert.equal(logCategoryPasses(0, LogCategory.UNDEFINED), true)
    assert.equal(logPrefix(LogGroup.CONFIGMGR, LogCategory.INFO), 'Config Manager INFO: ')
  })
  void test('event types §2.7 §2.8 and NetCfgChangeType flags §2.9', () => {
    assert.equal(SessionManagerEventType.SESS_CREATED, 1)
    assert.equal(SessionManagerEventType.SESS_DESTROYED, 2)
    assert.equal(ConfigManagerEventType.CFG_DESTROYED, 2)
    assert.deepEqual(
      NetCfgChangeType.table.map(([, v]) => v),
      [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
    )
    assert.equal(NetCfgChangeType.DNS_SEARCH_REMOVED, 1024)
    assert.equal(NetCfgChangeType.has(3), false)
  })
})
