import { test, describe } from 'node:test'
import assert from 'node:assert/strict'
import { StatusMajor as M, StatusMinor as m } from '@openvpn3-ts/dbus'
import { SessionTracker } from './tracker.js'

void describe('SessionTracker', () => {
  void test('connect once, disconnect once with the reason', () => {
    const t = new SessionTracker()
    assert.equal(t.status(M.CONNECTION, m.CONN_CONNECTING, ''), undefined)
    assert.deepEqual(t.status(M.CONNECTION, m.CONN_CONNECTED, '', 1000), { kind: 'connect' })
    assert.equal(t.status(M.CONNECTION, m.CONN_CONNECTED, ''), undefined)
    assert.deepEqual(t.status(M.CONNECTION, m.CONN_DISCONNECTED, 'bye'), {
      kind: 'disconnect',
      reason: 'CONN_DISCONNECTED',
      message: 'bye',
      connectedAt: 1000,
    })
    assert.equal(t.status(M.CONNECTION, m.CONN_DONE, ''), undefined)
    assert.equal(t.destroyed(), undefined)
  })

  void test('pause, resume and reconnect trigger nothing', () => {
    const t = new SessionTracker()
    assert.equal(t.status(M.CONNECTION, m.CONN_CONNECTED, '')?.kind, 'connect')
    for (const minor of [
      m.CONN_PAUSING,
      m.CONN_PAUSED,
      m.CONN_RESUMING,
      m.CONN_CONNECTED,
      m.CONN_RECONNECTING,
      m.CONN_CONNECTING,
      m.CONN_CONNECTED,
    ]) {
      assert.equal(t.status(M.CONNECTION, minor, ''), undefined, `minor ${minor}`)
    }
    assert.equal(t.destroyed()?.kind, 'disconnect')
  })

  void test('each end reason ends a connection', () => {
    for (const [major, minor, name] of [
      [M.CONNECTION, m.CONN_DONE, 'CONN_DONE'],
      [M.CONNECTION, m.CONN_FAILED, 'CONN_FAILED'],
      [M.CONNECTION, m.CONN_AUTH_FAILED, 'CONN_AUTH_FAILED'],
      [M.SESSION, m.PROC_STOPPED, 'PROC_STOPPED'],
      [M.SESSION, m.PROC_KILLED, 'PROC_KILLED'],
    ] as const) {
      const t = new SessionTracker()
      t.status(M.CONNECTION, m.CONN_CONNECTED, '')
      const a = t.status(major, minor, 'x')
      assert.equal(a?.kind, 'disconnect')
      assert.equal(a.kind === 'disconnect' && a.reason, name)
    }
  })

  void test('no disconnect without a connect; destroyed after connect says SESS_DESTROYED', () => {
    const t = new SessionTracker()
    assert.equal(t.status(M.CONNECTION, m.CONN_AUTH_FAILED, ''), undefined)
    assert.equal(t.destroyed(), undefined)
    const u = new SessionTracker()
    u.status(M.CONNECTION, m.CONN_CONNECTED, '')
    const a = u.destroyed()
    assert.equal(a?.kind === 'disconnect' && a.reason, 'SESS_DESTROYED')
    assert.equal(u.status(M.CONNECTION, m.CONN_CONNECTED, ''), undefined, 'ended for good')
  })

  void test('a new connect after a full disconnect in the same session runs connect again', () => {
    const t = new SessionTracker()
    t.status(M.CONNECTION, m.CONN_CONNECTED, '')
    t.status(M.CONNECTION, m.CONN_DISCONNECTED, '')
    assert.equal(t.status(M.CONNECTION, m.CONN_CONNECTED, '')?.kind, 'connect')
  })
})
