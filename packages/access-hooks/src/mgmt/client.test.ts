/**
 * ManagementClient against a scripted server over TCP and unix sockets: password handshake
 * (good and bad), one outstanding command at a time, multi-line responses, notifications
 * between commands, reconnect after the server drops the connection.
 */
import { strict as assert } from 'node:assert'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, describe, test } from 'node:test'
import { ManagementCommandError, ManagementDisconnectedError } from '../errors.js'
import { silentLogger } from '../logger.js'
import { FakeManagementServer } from '../testing/fake-server.js'
import { ManagementClient } from './client.js'
import type { Notification } from './notifications.js'

const dir = mkdtempSync(join(tmpdir(), 'access-mgmt-'))
after(() => rmSync(dir, { recursive: true, force: true }))

void describe('ManagementClient', () => {
  void test('TCP with password: commands are serialised, multi-line responses end at END', async () => {
    const server = new FakeManagementServer({ path: { port: 0 }, password: 'pw', pid: 99 })
    await server.listen()
    const c = new ManagementClient({
      endpoint: { kind: 'tcp', host: '127.0.0.1', port: server.port },
      password: 'pw',
      logger: silentLogger,
    })
    const notes: Notification[] = []
    c.on('notification', (n) => notes.push(n))
    try {
      c.start()
      await c.waitAttached(5000)
      const [pid, status, bad] = await Promise.allSettled([
        c.command('pid'),
        c.command('status 3', { multiline: true }),
        c.command('bogus'),
      ])
      assert.deepEqual(pid, { status: 'fulfilled', value: ['SUCCESS: pid=99'] })
      assert.ok(status.status === 'fulfilled' && status.value[0]?.startsWith('TITLE'))
      assert.ok(bad.status === 'rejected' && bad.reason instanceof ManagementCommandError)
      server.line('>LOG:1795393454,I,hello')
      await new Promise((r) => setTimeout(r, 50))
      assert.deepEqual(notes.at(-1), {
        kind: 'log',
        text: '1795393454,I,hello',
        time: 1795393454,
        flags: 'I',
        message: 'hello',
      })
      assert.equal(server.commands.join('|'), 'pid|status 3|bogus')
    } finally {
      await c.close()
      await server.close()
    }
  })

  void test('a wrong password is refused and retried with backoff, never attached', async () => {
    const server = new FakeManagementServer({ path: join(dir, 'bad.sock'), password: 'right' })
    await server.listen()
    const c = new ManagementClient({
      endpoint: { kind: 'unix', path: join(dir, 'bad.sock') },
      password: 'wrong',
      logger: silentLogger,
    })
    try {
      c.start()
      await assert.rejects(c.waitAttached(600))
      assert.equal(c.attached, false)
    } finally {
      await c.close()
      await server.close()
    }
  })

  void test('reconnects after a drop; outstanding commands fail with ManagementDisconnectedError', async () => {
    const path = join(dir, 'drop.sock')
    const server = new FakeManagementServer({ path, decide: () => '' })
    await server.listen()
    const c = new ManagementClient({ endpoint: { kind: 'unix', path }, logger: silentLogger })
    let attaches = 0
    c.on('attached', () => attaches++)
    try {
      c.start()
      await c.waitAttached(5000)
      const pending = c.command('client-kill 1')
      await server.waitCommand(/^client-kill 1$/)
      server.dropClient()
      await assert.rejects(pending, ManagementDisconnectedError)
      await new Promise((r) => setTimeout(r, 50))
      await c.waitAttached(5000)
      assert.equal(attaches, 2)
      assert.deepEqual(await c.command('pid'), ['SUCCESS: pid=4242'])
      assert.throws(() => void c.command('x'.repeat(2000)), /exceeds/)
    } finally {
      await c.close()
      await server.close()
    }
  })
})
