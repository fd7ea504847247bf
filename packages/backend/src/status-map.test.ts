/** Engine outcome → StatusChange mapping (spec §6.6 table). */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import { LogCategory, StatusMinor } from '@openvpn3-ts/dbus'
import {
  AuthFailedError,
  CertificateVerifyError,
  HaltError,
  LinkError,
} from '@openvpn3-ts/protocol'
import { finalStatus, logCategoryOf } from './status-map.js'

void test('final status per engine error class', () => {
  assert.deepEqual(finalStatus(undefined), {
    major: 2,
    minor: StatusMinor.CONN_DISCONNECTED,
    message: '',
  })
  assert.deepEqual(finalStatus(new AuthFailedError('AUTH_FAILED')), {
    major: 2,
    minor: StatusMinor.CONN_AUTH_FAILED,
    message: 'Authentication failed',
  })
  assert.equal(
    finalStatus(new CertificateVerifyError('x')).message,
    'Certificate verification failed'
  )
  assert.equal(finalStatus(new HaltError('x')).message, 'Client disconnected by server')
  const f = finalStatus(new LinkError('no route'))
  assert.equal(f.minor, StatusMinor.CONN_FAILED)
  assert.equal(f.message, 'no route {LINK}')
})

void test('engine log levels map to LogCategory', () => {
  assert.equal(logCategoryOf('debug'), LogCategory.DEBUG)
  assert.equal(logCategoryOf('info'), LogCategory.INFO)
  assert.equal(logCategoryOf('warn'), LogCategory.WARN)
  assert.equal(logCategoryOf('error'), LogCategory.ERROR)
})
