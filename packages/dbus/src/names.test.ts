/**
 * Path and name helpers (spec §1.1, §1.2).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import {
  backendBusName,
  isBackendToken,
  isConfigurationPath,
  isLogProxyPath,
  isObjectPath,
  isSessionPath,
  netcfgDevicePath,
  newBackendToken,
  newConfigurationPath,
  newLogProxyPath,
  newSessionPath,
  parseBackendBusName,
} from './names.js'

void describe('names and paths (spec §1.2)', () => {
  void test('generated paths use the right delimiter and are valid object paths', () => {
    const c = newConfigurationPath()
    assert.match(
      c,
      /^\/net\/openvpn\/v3\/configuration\/[0-9a-f]{8}x[0-9a-f]{4}x[0-9a-f]{4}x[0-9a-f]{4}x[0-9a-f]{12}$/
    )
    assert.ok(isConfigurationPath(c) && isObjectPath(c))
    const s = newSessionPath()
    assert.ok(isSessionPath(s) && !isConfigurationPath(s) && isObjectPath(s))
    assert.ok(isLogProxyPath(newLogProxyPath()))
    const t = newBackendToken()
    assert.equal(t.length, 36)
    assert.ok(isBackendToken(t) && !t.includes('-'))
    assert.notEqual(newSessionPath(), newSessionPath())
  })
  void test('backend bus names', () => {
    assert.equal(backendBusName(29470), 'net.openvpn.v3.backends.be29470')
    assert.equal(parseBackendBusName('net.openvpn.v3.backends.be29470'), 29470)
    assert.equal(parseBackendBusName('net.openvpn.v3.backends'), undefined)
    assert.equal(parseBackendBusName('net.openvpn.v3.backends.be0'), undefined)
  })
  void test('netcfg device path is <pid>_<name>, path-safe', () => {
    const t = newBackendToken()
    assert.equal(netcfgDevicePath(42, t), `/net/openvpn/v3/netcfg/42_${t}`)
    assert.equal(netcfgDevicePath(7, 'tun-0'), '/net/openvpn/v3/netcfg/7_tun_0')
    assert.ok(isObjectPath(netcfgDevicePath(7, '')))
  })
  void test('isObjectPath', () => {
    assert.ok(isObjectPath('/'))
    assert.ok(!isObjectPath('/a//b'))
    assert.ok(!isObjectPath('/a/'))
    assert.ok(!isObjectPath('a'))
    assert.ok(!isObjectPath('/a-b'))
  })
})
