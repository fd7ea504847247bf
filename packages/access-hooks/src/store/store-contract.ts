/**
 * Behaviour every Store implementation must show (compliance suite, style rule 9); used by the
 * SQLite test and the opt-in PostgreSQL test.
 */
import { strict as assert } from 'node:assert'
import { test } from 'node:test'
import type { Store } from './types.js'

export function storeContract(open: () => Promise<Store>): void {
  void test('users: add, get, list, passwd, MACs, TOTP replay guard, limits, remove', async () => {
    const s = await open()
    try {
      await s.addUser({
        username: 'alice',
        passwordHash: 'h1',
        macs: ['00:11:22:33:44:55'],
        totpSecret: 'ABC',
      })
      await s.addUser({ username: 'bob', passwordHash: 'h2' })
      const a = await s.getUser('alice')
      assert.equal(a?.passwordHash, 'h1')
      assert.deepEqual(a?.macs, ['00:11:22:33:44:55'])
      assert.equal(a?.totpSecret, 'ABC')
      assert.deepEqual(
        (await s.listUsers()).map((u) => u.username),
        ['alice', 'bob']
      )
      await s.setPassword('alice', 'h3')
      await s.setMacs('alice', ['aa:aa:aa:aa:aa:aa', 'bb:bb:bb:bb:bb:bb'])
      assert.deepEqual((await s.getUser('alice'))?.macs, ['aa:aa:aa:aa:aa:aa', 'bb:bb:bb:bb:bb:bb'])
      assert.equal(await s.useTotpStep('alice', 100), true)
      assert.equal(await s.useTotpStep('alice', 100), false)
      assert.equal(await s.useTotpStep('alice', 99), false)
      assert.equal(await s.useTotpStep('alice', 101), true)
      await s.setLimits('bob', { maxSessions: 2, dailySeconds: 60 })
      assert.deepEqual((await s.getUser('bob'))?.limits, {
        maxSessions: 2,
        maxSessionSeconds: null,
        dailySeconds: 60,
      })
      await s.setDisabled('bob', true)
      assert.equal((await s.getUser('bob'))?.disabled, true)
      assert.equal(await s.removeUser('bob'), true)
      assert.equal(await s.removeUser('bob'), false)
      assert.equal(await s.getUser('bob'), undefined)
    } finally {
      await s.close()
    }
  })

  void test('sessions: open, activate, bytes, close with accounting, usage, kill requests', async () => {
    const s = await open()
    try {
      const base = {
        serverId: 'vpn1',
        serverPid: 42,
        username: 'carol',
        commonName: 'c1',
        sourceIp: '192.0.2.2',
        sourcePort: 1194,
      }
      const id = await s.openSession({
        ...base,
        connKey: 'mgmt:1',
        cid: 1,
        startedAt: 1000,
        expiresAt: 1600,
      })
      const id2 = await s.openSession({
        ...base,
        connKey: 'mgmt:2',
        cid: 2,
        startedAt: 1100,
        expiresAt: null,
      })
      assert.equal(await s.countOpenSessions('carol'), 2)
      await s.markActive(id, '198.18.1.2', '')
      await s.updateBytes(id, 10, 20)
      assert.equal((await s.findOpenSession('vpn1', 'mgmt:1'))?.state, 'active')
      assert.equal(await s.requestKill(id2), true)
      assert.deepEqual(
        (await s.killRequests('vpn1')).map((r) => r.id),
        [id2]
      )
      await s.closeSession(id, {
        endedAt: 1300,
        bytesIn: 111,
        bytesOut: 222,
        durationS: 300,
        reason: 'disconnected',
      })
      await s.closeSession(id, { endedAt: 9999, reason: 'again' }) // idempotent
      const r = await s.getSession(id)
      assert.deepEqual(
        [
          r?.state,
          r?.bytesIn,
          r?.bytesOut,
          r?.durationS,
          r?.endReason,
          r?.endedAt,
          r?.vpnIp4,
          r?.expiresAt,
        ],
        ['ended', 111, 222, 300, 'disconnected', 1300, '198.18.1.2', 1600]
      )
      assert.equal(await s.countOpenSessions('carol'), 1)
      // usage since 1050 at now=1200: session 1 contributes 1050..1300 = 250, session 2 1100..1200 = 100
      assert.equal(await s.usageSince('carol', 1050, 1200), 350)
      assert.equal((await s.listSessions({ activeOnly: true })).length, 1)
      assert.equal((await s.listSessions({ username: 'carol' })).length, 2)
      assert.equal(await s.findOpenSession('vpn1', 'mgmt:1'), undefined)
    } finally {
      await s.close()
    }
  })

  void test('challenges are taken once', async () => {
    const s = await open()
    try {
      await s.saveChallenge({ stateId: 'st1', username: 'dave', createdAt: 5 })
      assert.deepEqual(await s.takeChallenge('st1'), {
        stateId: 'st1',
        username: 'dave',
        createdAt: 5,
      })
      assert.equal(await s.takeChallenge('st1'), undefined)
    } finally {
      await s.close()
    }
  })
}
