/**
 * Daemon tests against a scripted management interface (no OpenVPN): decisions, hostile input,
 * re-sending decisions after a lost connection, session-time kills, challenges, reconciliation.
 * The same paths against a real OpenVPN 2.6 server are in daemon.lab.test.ts.
 */
import { strict as assert } from 'node:assert'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { parseConfig } from './config.js'
import { AccessDaemon } from './daemon.js'
import { silentLogger } from './logger.js'
import { hashPassword } from './password.js'
import { openSqliteStore } from './store/sqlite.js'
import type { Store } from './store/types.js'
import { FakeManagementServer, cidBlock, connectBlock } from './testing/fake-server.js'
import { base32Decode, generateSecret, totp } from './totp.js'

const dir = mkdtempSync(join(tmpdir(), 'access-daemon-'))
let store: Store
const secret = generateSecret()
let n = 0

before(async () => {
  store = openSqliteStore(join(dir, 'd.db'))
  await store.init()
  await store.addUser({ username: 'alice', passwordHash: await hashPassword('pw', 'min') })
  await store.addUser({
    username: 'otp',
    passwordHash: await hashPassword('pw', 'min'),
    totpSecret: secret,
  })
})
after(async () => {
  await store.close()
  rmSync(dir, { recursive: true, force: true })
})

interface Rig {
  server: FakeManagementServer
  daemon: AccessDaemon
  stop(): Promise<void>
}

async function rig(
  configExtra: Record<string, unknown>,
  serverInit: Partial<ConstructorParameters<typeof FakeManagementServer>[0]> = {}
): Promise<Rig> {
  const path = join(dir, `m${++n}.sock`)
  const server = new FakeManagementServer({ path, password: 'mgmt-secret', ...serverInit })
  await server.listen()
  const config = parseConfig(
    { serverId: `t${n}`, management: { socket: path, bytecountIntervalS: 5 }, ...configExtra },
    'daemon'
  )
  const daemon = new AccessDaemon({
    config,
    store,
    logger: silentLogger,
    managementPassword: 'mgmt-secret',
    killPollMs: 100,
  })
  daemon.start()
  await server.waitCommand(/^bytecount 5$/)
  return {
    server,
    daemon,
    async stop() {
      await daemon.stop()
      await server.close()
    },
  }
}

const env = (user: string, password: string, extra: Record<string, string> = {}) => ({
  username: user,
  password,
  untrusted_ip: '192.0.2.2',
  untrusted_port: '5000',
  common_name: 'client.lab',
  daemon_pid: '4242',
  ...extra,
})

void describe('AccessDaemon with a scripted management interface', () => {
  void test('password handshake, hold release, attach sequence, accept and deny', async () => {
    const r = await rig({}, { held: true })
    try {
      assert.deepEqual(r.server.commands.slice(0, 4), [
        'hold release',
        'pid',
        'status 3',
        'bytecount 5',
      ])
      r.server.send(connectBlock(0, 1, env('alice', 'pw')))
      await r.server.waitCommand(/^client-auth-nt 0 1$/)
      r.server.send(connectBlock(1, 1, env('alice', 'wrong')))
      assert.equal(
        await r.server.waitCommand(/^client-deny 1 1/),
        'client-deny 1 1 "wrong password for \\"alice\\"" "authentication failed"'
      )
      const s = await store.findOpenSession(r.daemon.serverId, 'mgmt:0')
      assert.equal(s?.username, 'alice')
    } finally {
      await r.stop()
    }
  })

  void test('hostile input: garbage, over-long lines, huge ENV blocks are logged and survived', async () => {
    const r = await rig({})
    try {
      r.server.line('garbage without prefix')
      r.server.send('\u0000\u0001\u0002 binary junk\r\n')
      r.server.line('>CLIENT:ENV,orphan=1')
      r.server.line('>CLIENT:CONNECT,notanumber,1')
      r.server.line(`>LOG:${'x'.repeat(200_000)}`)
      const huge: Record<string, string> = {}
      for (let i = 0; i < 3000; i++) huge[`V${i}`] = 'y'.repeat(200)
      r.server.send(connectBlock(7, 1, { ...env('alice', 'pw'), ...huge }))
      assert.match(await r.server.waitCommand(/^client-deny 7 1/), /ENV block exceeded limits/)
      // A block interrupted by another notification is dropped; the next valid one is decided.
      r.server.line('>CLIENT:CONNECT,8,1')
      r.server.line('>CLIENT:ENV,username=alice')
      r.server.line('>INFO:interruption')
      r.server.send(connectBlock(9, 1, env('alice', 'pw')))
      await r.server.waitCommand(/^client-auth-nt 9 1$/)
      assert.ok(!r.server.commands.some((c) => / 8 1/.test(c)))
      assert.ok(r.daemon.stats.malformed >= 5, `malformed=${r.daemon.stats.malformed}`)
      assert.ok(r.daemon.mgmt.attached)
    } finally {
      await r.stop()
    }
  })

  void test('a decision lost with the connection is re-sent to the same server process only', async () => {
    let answer: string | undefined = ''
    const srv = { pid: 4242 }
    const listed: { cn: string; real: string; vaddr: string; username: string; cid: number }[] = []
    const r = await rig(
      {},
      {
        decide: (c) => (c.startsWith('client-auth-nt') ? answer : undefined),
        clients: () => listed,
        pid: () => srv.pid,
      }
    )
    try {
      // The server dies with the decision unanswered; the same process lists the client again.
      listed.push({
        cn: 'client.lab',
        real: '192.0.2.2:5000',
        vaddr: '',
        username: 'alice',
        cid: 3,
      })
      r.server.send(connectBlock(3, 1, env('alice', 'pw')))
      await r.server.waitCommand(/^client-auth-nt 3 1$/)
      r.server.commands.length = 0
      answer = undefined
      r.server.dropClient()
      await r.server.waitCommand(/^client-auth-nt 3 1$/, 8000)
      assert.equal(r.daemon.stats.resent, 1)
      assert.ok(!r.server.commands.includes('client-kill 3'))
      // Now the server restarts (new pid) while a decision is pending: nothing is re-sent and
      // the instance the new process lists under that CID is restarted, not authorised.
      answer = ''
      listed.length = 0
      listed.push({
        cn: 'client.lab',
        real: '192.0.2.2:5001',
        vaddr: '',
        username: 'alice',
        cid: 4,
      })
      r.server.send(connectBlock(4, 1, env('alice', 'pw', { untrusted_port: '5001' })))
      await r.server.waitCommand(/^client-auth-nt 4 1$/)
      srv.pid = 5555
      answer = undefined
      r.server.commands.length = 0
      r.server.dropClient()
      await r.server.waitCommand(/^bytecount/, 8000)
      assert.ok(
        !r.server.commands.some((c) => c.startsWith('client-auth-nt 4')),
        r.server.commands.join('|')
      )
      assert.equal(r.daemon.stats.dropped, 1)
      const sessions = await store.listSessions({ serverId: r.daemon.serverId })
      assert.equal(sessions.find((s) => s.cid === 4)?.endReason, 'decision not delivered')
      assert.equal(
        sessions.find((s) => s.cid === 3)?.endReason,
        'ended while detached (counters lost)'
      )
      assert.ok(r.server.commands.includes('client-kill 4'))
    } finally {
      await r.stop()
    }
  })

  void test('session time limit: client-kill at the limit, accounting at DISCONNECT', async () => {
    const r = await rig({ sessions: { maxSessionSeconds: 1 } })
    try {
      r.server.send(connectBlock(0, 1, env('alice', 'pw')))
      assert.equal(
        await r.server.waitCommand(/^client-auth 0 1/),
        'client-auth 0 1\nsession-timeout 6\nEND'
      )
      r.server.send(cidBlock('ESTABLISHED', 0, { ifconfig_pool_remote_ip: '198.18.1.2' }))
      const t0 = Date.now()
      assert.equal(
        await r.server.waitCommand(/^client-kill 0/, 4000),
        'client-kill 0 "HALT,session time limit reached"'
      )
      assert.ok(Date.now() - t0 >= 900, `killed after ${Date.now() - t0} ms`)
      r.server.send(
        cidBlock('DISCONNECT', 0, {
          bytes_received: '1234',
          bytes_sent: '5678',
          time_duration: '1',
        })
      )
      const id = (await store.listSessions({ serverId: r.daemon.serverId }))[0]?.id ?? -1
      await waitFor(async () => (await store.getSession(id))?.state === 'ended')
      const s = await store.getSession(id)
      assert.deepEqual(
        [s?.bytesIn, s?.bytesOut, s?.durationS, s?.vpnIp4, s?.endReason],
        [1234, 5678, 1, '198.18.1.2', 'session time limit reached']
      )
    } finally {
      await r.stop()
    }
  })

  void test('TOTP: CR_TEXT pending auth for IV_SSO=crtext, CRV1 dynamic challenge otherwise', async () => {
    const r = await rig({ totp: {} })
    try {
      r.server.send(connectBlock(0, 1, env('otp', 'pw', { IV_SSO: 'openurl,crtext' })))
      assert.equal(
        await r.server.waitCommand(/^client-pending-auth 0 1/),
        'client-pending-auth 0 1 "CR_TEXT:R,E:Enter your authenticator code" 120'
      )
      const code = totp(base32Decode(secret), Date.now() / 1000)
      r.server.send(
        `>CLIENT:CR_RESPONSE,0,1,${Buffer.from(code).toString('base64')}\r\n` +
          connectBlock(0, 1, env('otp', '')).split('\r\n').slice(1).join('\r\n')
      )
      await r.server.waitCommand(/^client-auth-nt 0 1$/)
      // CRV1 for a client without crtext support
      r.server.send(connectBlock(1, 1, env('otp', 'pw')))
      const deny = await r.server.waitCommand(/^client-deny 1 1/)
      const m = /"CRV1:R,E:([0-9a-f]+):([A-Za-z0-9+/=]+):Enter your authenticator code"$/.exec(deny)
      assert.ok(m, deny)
      assert.equal(Buffer.from(m[2] ?? '', 'base64').toString(), 'otp')
      const next = totp(base32Decode(secret), Date.now() / 1000 + 30)
      r.server.send(connectBlock(2, 1, env('otp', `CRV1::${m[1]}::${next}`)))
      await r.server.waitCommand(/^client-auth-nt 2 1$/)
      // the state id is single-use
      r.server.send(connectBlock(3, 1, env('otp', `CRV1::${m[1]}::${next}`)))
      assert.match(await r.server.waitCommand(/^client-deny 3 1/), /challenge expired/)
    } finally {
      await r.stop()
    }
  })

  void test('reconcile on attach: vanished sessions closed, unknown instances restarted, REAUTH', async () => {
    const serverId = `t${n + 1}`
    const base = {
      serverId,
      serverPid: 4242,
      username: 'alice',
      commonName: 'c',
      sourceIp: '192.0.2.2',
      expiresAt: null,
    }
    const gone = await store.openSession({
      ...base,
      connKey: 'mgmt:5',
      cid: 5,
      sourcePort: 6005,
      startedAt: 1,
    })
    const kept = await store.openSession({
      ...base,
      connKey: 'mgmt:6',
      cid: 6,
      sourcePort: 6006,
      startedAt: 2,
    })
    await store.markActive(kept, '198.18.1.6', '')
    const listed = [
      { cn: 'c', real: '192.0.2.2:6006', vaddr: '198.18.1.6', username: 'alice', cid: 6 },
      { cn: 'c', real: '192.0.2.2:6009', vaddr: '', username: 'bob', cid: 9 },
    ]
    const r = await rig({}, { clients: () => listed })
    try {
      assert.equal(
        (await store.getSession(gone))?.endReason,
        'ended while detached (counters lost)'
      )
      assert.equal((await store.getSession(kept))?.state, 'active')
      await r.server.waitCommand(/^client-kill 9$/)
      r.server.send(connectBlock(6, 2, env('alice', 'pw', { untrusted_port: '6006' }), 'REAUTH'))
      await r.server.waitCommand(/^client-auth-nt 6 2$/)
      r.server.send(connectBlock(11, 2, env('alice', 'pw', { untrusted_port: '6011' }), 'REAUTH'))
      assert.match(await r.server.waitCommand(/^client-deny 11 2/), /session unknown/)
      // admin kill through the store
      await store.requestKill(kept)
      assert.equal(
        await r.server.waitCommand(/^client-kill 6 /),
        'client-kill 6 "HALT,session ended by administrator"'
      )
    } finally {
      await r.stop()
    }
  })

  void test('connect script: eduVPN variables at ESTABLISHED/DISCONNECT, non-zero exit kills', async () => {
    const out = join(dir, 'script-env')
    const script = join(dir, 'hook.sh')
    writeFileSync(
      script,
      `#!/bin/sh\nenv | grep ^VPN_ | sort > ${out}.$VPN_EVENT\n[ "$VPN_USER_ID" != alice ] || [ -e ${out}.allow ]\n`
    )
    chmodSync(script, 0o755)
    const r = await rig({ scripts: { connect: script, disconnect: script, profileId: 'office' } })
    try {
      r.server.send(connectBlock(0, 1, env('alice', 'pw')))
      await r.server.waitCommand(/^client-auth-nt 0 1$/)
      r.server.send(
        cidBlock('ESTABLISHED', 0, {
          ifconfig_pool_remote_ip: '198.18.1.2',
          trusted_ip: '192.0.2.2',
        })
      )
      assert.equal(
        await r.server.waitCommand(/^client-kill 0/),
        'client-kill 0 "HALT,access rejected"'
      )
      const c = readFileSync(`${out}.C`, 'utf8')
      for (const v of [
        'VPN_EVENT=C',
        'VPN_USER_ID=alice',
        'VPN_PROFILE_ID=office',
        'VPN_CONNECTION_ID=client.lab',
        'VPN_IP_FOUR=198.18.1.2',
        'VPN_IP_SIX=',
        'VPN_ORIGINATING_IP=192.0.2.2',
        'VPN_PROTO=openvpn',
      ]) {
        assert.ok(c.split('\n').includes(v), `${v} missing in\n${c}`)
      }
      r.server.send(
        cidBlock('DISCONNECT', 0, { bytes_received: '10', bytes_sent: '20', time_duration: '3' })
      )
      await waitFor(async () => {
        try {
          return readFileSync(`${out}.D`, 'utf8').includes('VPN_BYTES_OUT=20')
        } catch {
          return false
        }
      })
      const d = readFileSync(`${out}.D`, 'utf8')
      assert.ok(
        d.includes('VPN_BYTES_IN=10') &&
          d.includes('VPN_EVENT=D') &&
          !d.includes('VPN_ORIGINATING_IP')
      )
    } finally {
      await r.stop()
    }
  })
})

async function waitFor(fn: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (Date.now() < end) {
    if (await fn()) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error('condition not met in time')
}
