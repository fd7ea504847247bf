import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { buildHookEnv } from './env.js'
import { cleanText } from './sanitize.js'

const id = { user: 'alice', home: '/home/alice' }

void describe('cleanText', () => {
  void test('removes C0, DEL and C1 control characters and bounds the length', () => {
    assert.equal(cleanText('a\nb\tc\u0007d\u007fe\u0085f\u001b[31mg'), 'abcdef[31mg')
    assert.equal(cleanText('x'.repeat(5000)).length, 1024)
    assert.equal(cleanText('héllo ✓'), 'héllo ✓')
  })
})

void describe('buildHookEnv', () => {
  void test('connect: exact variables, nothing inherited, session text cleaned', () => {
    const env = buildHookEnv(
      {
        kind: 'connect',
        at: 1_700_000_000_500,
        facts: {
          sessionPath: '/net/openvpn/v3/sessions/abc',
          configName: 'corp\n$(rm -rf /)',
          device: 'tun0',
          proto: 'udp',
          serverIp: '192.0.2.1',
          serverPort: 1194,
          owner: 1000,
          created: 1_699_999_999n,
        },
      },
      id
    )
    assert.deepEqual(env, {
      PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: '/home/alice',
      USER: 'alice',
      LOGNAME: 'alice',
      LANG: 'C',
      OPENVPN3_EVENT: 'connect',
      OPENVPN3_SESSION_PATH: '/net/openvpn/v3/sessions/abc',
      OPENVPN3_CONFIG_NAME: 'corp$(rm -rf /)',
      OPENVPN3_SESSION_NAME: '',
      OPENVPN3_DEVICE: 'tun0',
      OPENVPN3_PROTO: 'udp',
      OPENVPN3_SERVER_IP: '192.0.2.1',
      OPENVPN3_SERVER_PORT: '1194',
      OPENVPN3_SESSION_OWNER: '1000',
      OPENVPN3_SESSION_CREATED: '1699999999',
      OPENVPN3_CONNECTED_AT: '1700000000',
    })
  })

  void test('disconnect: reason, statistics and duration', () => {
    const env = buildHookEnv(
      {
        kind: 'disconnect',
        facts: { sessionPath: '/s/1' },
        reason: 'CONN_DISCONNECTED',
        message: 'bye\u0000',
        statistics: { BYTES_IN: 12345678901234n, BYTES_OUT: 42n },
        connectedAt: 1_000_000,
        at: 1_090_600,
      },
      id
    )
    assert.equal(env['OPENVPN3_EVENT'], 'disconnect')
    assert.equal(env['OPENVPN3_REASON'], 'CONN_DISCONNECTED')
    assert.equal(env['OPENVPN3_REASON_MESSAGE'], 'bye')
    assert.equal(env['OPENVPN3_BYTES_IN'], '12345678901234')
    assert.equal(env['OPENVPN3_BYTES_OUT'], '42')
    assert.equal(env['OPENVPN3_PACKETS_IN'], '0')
    assert.equal(env['OPENVPN3_DURATION'], '91')
    assert.equal(env['OPENVPN3_CONNECTED_AT'], '1000')
    assert.equal(env['OPENVPN3_SERVER_PORT'], '')
  })
})
