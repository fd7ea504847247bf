/**
 * The daemon against a real OpenVPN 2.6 server and real `openvpn` clients in the namespace lab:
 * accept/deny paths of every check as the client sees them (connects / AUTH_FAILED,<reason>),
 * MAC binding with push-peer-info, TOTP by dynamic challenge (CRV1) and by pending auth
 * (CR_TEXT), session time limit and daily limit, connect/disconnect script variables,
 * accounting rows, and the JazzVPN events module.
 */
import { strict as assert } from 'node:assert'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { pollUntil } from '@openvpn3-ts/testkit'
import { ClientManagement } from './testing/lab-harness.js'
import { LabFixture, NEEDS_ROOT, ROOT } from './testing/lab-fixture.js'
import { base32Decode, generateSecret, totp } from './totp.js'

const secret = generateSecret()
const fx = new LabFixture()

before(async () => {
  if (!ROOT) return
  await fx.start()
  await fx.openStore('access.db', [
    { username: 'alice', password: 'alice-pw' },
    { username: 'mac', password: 'mac-pw', macs: ['00:11:22:33:44:55'] },
    { username: 'otp', password: 'otp-pw', totpSecret: secret },
    { username: 'timed', password: 'timed-pw', limits: { dailySeconds: 3 } },
  ])
})

after(() => fx.close())

/** Waits until `path` exists and `ready(text)` holds; resolves its text. */
function readWhen(
  what: string,
  path: string,
  ready: (text: string) => boolean,
  timeoutMs: number
): Promise<string> {
  return pollUntil(
    what,
    () => {
      try {
        const text = readFileSync(path, 'utf8')
        return ready(text) ? text : undefined
      } catch {
        return undefined
      }
    },
    { timeoutMs }
  )
}

/** `env | sort` output as a record. */
function parseEnv(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
  )
}

const T = { timeout: 90_000 }

void describe('access daemon on a real OpenVPN 2.6 server', () => {
  void test(
    'password: a real client connects; wrong password and unknown user get AUTH_FAILED with the reason; accounting row after disconnect',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({}, async () => {
        const c = fx.client({ username: 'alice', password: 'alice-pw' })
        assert.equal(await c.outcome(), 'connected')
        const open = await fx.store.listSessions({ serverId: 'lab', activeOnly: true })
        assert.equal(open.length, 1)
        const s = open[0]
        assert.equal(s?.username, 'alice')
        assert.match(s?.vpnIp4 ?? '', /^198\.18\.1\.\d+$/)
        assert.match(c.output(), new RegExp(`${s?.vpnIp4.replace(/\./g, '\\.')}`))
        await fx.ping()
        await c.stop()
        const ended = await fx.sessionEnded(s?.id ?? -1, 15_000)
        assert.ok(ended.bytesIn > 0 && ended.bytesOut > 0, JSON.stringify(ended))
        assert.ok(ended.durationS !== null && ended.durationS >= 0)
        assert.equal(ended.endReason, 'disconnected')
        assert.equal(
          await fx.outcome({ username: 'alice', password: 'nope' }),
          'failed:authentication failed'
        )
        assert.equal(
          await fx.outcome({ username: 'mallory', password: 'x' }),
          'failed:authentication failed'
        )
      })
    }
  )

  void test(
    'source: deny list, allow list and time windows as seen by a real client',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({ source: { deny: ['192.0.2.0/24'] } }, async () => {
        assert.equal(
          await fx.outcome({ username: 'alice', password: 'alice-pw' }),
          'failed:source address not allowed'
        )
      })
      await fx.withDaemon({ source: { allow: ['198.51.100.0/24'] } }, async () => {
        assert.equal(
          await fx.outcome({ username: 'alice', password: 'alice-pw' }),
          'failed:source address not allowed'
        )
      })
      const other = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'][(new Date().getDay() + 3) % 7]
      await fx.withDaemon({ source: { timeWindows: [`${other} 00:00-24:00`] } }, async () => {
        assert.equal(
          await fx.outcome({ username: 'alice', password: 'alice-pw' }),
          'failed:connections not allowed at this time'
        )
      })
      await fx.withDaemon(
        { source: { allow: ['192.0.2.2/32'], timeWindows: ['* 00:00-24:00'] } },
        async () => {
          assert.equal(await fx.outcome({ username: 'alice', password: 'alice-pw' }), 'connected')
        }
      )
    }
  )

  void test(
    'MAC binding: UV_CLIENT_MAC with push-peer-info accepted, wrong or missing refused',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({ mac: { variable: 'UV_CLIENT_MAC' } }, async () => {
        const good = ['push-peer-info', 'setenv UV_CLIENT_MAC 00:11:22:33:44:55']
        assert.equal(
          await fx.outcome({ username: 'mac', password: 'mac-pw', extra: good }),
          'connected'
        )
        const bad = ['push-peer-info', 'setenv UV_CLIENT_MAC 66:11:22:33:44:55']
        assert.equal(
          await fx.outcome({ username: 'mac', password: 'mac-pw', extra: bad }),
          'failed:device not registered'
        )
        // seed 003's form: without push-peer-info the variable never reaches the server
        const seed = [
          'setenv UV_CLIENT_MAC 00:11:22:33:44:55',
          'setenv CLIENT_MAC 00:11:22:33:44:55',
        ]
        assert.equal(
          await fx.outcome({ username: 'mac', password: 'mac-pw', extra: seed }),
          'failed:device identity missing'
        )
      })
    }
  )

  void test(
    'TOTP by dynamic challenge (CRV1): the client is challenged and gets in with the code',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({ totp: { method: 'crv1' } }, async () => {
        const c = fx.client({ username: 'otp', management: true })
        const m = await ClientManagement.connect(c.mgmtSock ?? '')
        try {
          let [, at] = await m.waitLine(/^>PASSWORD:Need 'Auth' username\/password/)
          m.send('username "Auth" otp')
          m.send('password "Auth" otp-pw')
          const [failed, i] = await m.waitLine(
            /^>PASSWORD:Verification Failed: 'Auth' \['CRV1:/,
            at
          )
          const crv1 = /CRV1:([^:]*):([^:]*):([^:]*):([^']*)'/.exec(failed)
          assert.ok(crv1, failed)
          assert.equal(crv1[1], 'R,E')
          assert.equal(Buffer.from(crv1[3] ?? '', 'base64').toString(), 'otp')
          assert.equal(crv1[4], 'Enter your authenticator code')
          // the client restarts (SIGUSR1, auth-retry interact) and holds again
          m.send('hold release')
          ;[, at] = await m.waitLine(/^>PASSWORD:Need 'Auth' username\/password/, i)
          const code = totp(base32Decode(secret), Date.now() / 1000)
          m.send('username "Auth" otp')
          m.send(`password "Auth" "CRV1::${crv1[2] ?? ''}::${code}"`)
          assert.equal(await c.outcome(), 'connected')
        } finally {
          m.close()
          await c.stop()
        }
        // a wrong code is refused with its reason
        const c2 = fx.client({ username: 'otp', management: true })
        const m2 = await ClientManagement.connect(c2.mgmtSock ?? '')
        try {
          const [, at] = await m2.waitLine(/^>PASSWORD:Need 'Auth' username\/password/)
          m2.send('username "Auth" otp')
          m2.send('password "Auth" otp-pw')
          const [failed, i] = await m2.waitLine(
            /^>PASSWORD:Verification Failed: 'Auth' \['CRV1:/,
            at
          )
          const sid = /CRV1:[^:]*:([^:]*):/.exec(failed)?.[1] ?? ''
          m2.send('hold release')
          await m2.waitLine(/^>PASSWORD:Need 'Auth' username\/password/, i)
          m2.send('username "Auth" otp')
          m2.send(`password "Auth" "CRV1::${sid}::000000"`)
          await m2.waitLine(/^>PASSWORD:Verification Failed: 'Auth' \['wrong one-time code'\]/, i)
        } finally {
          m2.close()
          await c2.stop()
        }
      })
    }
  )

  void test(
    'TOTP by pending auth (CR_TEXT) for a client announcing IV_SSO=crtext',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({ totp: {} }, async () => {
        const c = fx.client({ username: 'otp', management: true, extra: ['setenv IV_SSO crtext'] })
        const m = await ClientManagement.connect(c.mgmtSock ?? '')
        try {
          await m.waitLine(/^>PASSWORD:Need 'Auth' username\/password/)
          m.send('username "Auth" otp')
          m.send('password "Auth" otp-pw')
          const [line] = await m.waitLine(/^>INFOMSG:CR_TEXT:/)
          assert.equal(line, '>INFOMSG:CR_TEXT:R,E:Enter your authenticator code')
          const code = totp(base32Decode(secret), Date.now() / 1000 + 30)
          m.send(`cr-response ${Buffer.from(code).toString('base64')}`)
          assert.equal(await c.outcome(), 'connected')
        } finally {
          m.close()
          await c.stop()
        }
      })
    }
  )

  void test(
    'session time: killed at the daily limit with client-kill, refused on reconnect',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      await fx.withDaemon({ sessions: { maxSessionSeconds: 60 } }, async () => {
        const c = fx.client({ username: 'timed', password: 'timed-pw' })
        assert.equal(await c.outcome(), 'connected')
        await pollUntil(
          'client halted',
          () =>
            /Halt command was pushed by server \('session time limit reached'\)/.test(c.output())
              ? true
              : undefined,
          {
            timeoutMs: 15_000,
          }
        )
        const s = await pollUntil(
          'session ended',
          async () =>
            (await fx.store.listSessions({ username: 'timed' })).find((x) => x.state === 'ended'),
          { timeoutMs: 15_000 }
        )
        assert.equal(s.endReason, 'session time limit reached')
        assert.equal(
          await fx.outcome({ username: 'timed', password: 'timed-pw' }),
          'failed:daily time limit reached'
        )
      })
    }
  )

  void test(
    'connect/disconnect scripts receive the eduVPN variables; non-zero exit rejects',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      const out = join(fx.lab.dir, 'vpn-env')
      const script = join(fx.lab.dir, 'hook.sh')
      writeFileSync(
        script,
        `#!/bin/sh\nenv | grep ^VPN_ | sort > ${out}.$VPN_EVENT.$VPN_USER_ID\n[ "$VPN_USER_ID" != mac ]\n`
      )
      chmodSync(script, 0o755)
      await fx.withDaemon(
        { scripts: { connect: script, disconnect: script, profileId: 'lab-profile' } },
        async () => {
          const c = fx.client({ username: 'alice', password: 'alice-pw' })
          assert.equal(await c.outcome(), 'connected')
          const s = (
            await fx.store.listSessions({ serverId: 'lab', activeOnly: true, username: 'alice' })
          )[0]
          // the shell creates the file before sort writes it
          const env = await readWhen(
            'connect env',
            `${out}.C.alice`,
            (text) => text.includes('VPN_USER_ID='),
            5000
          )
          const vars = parseEnv(env)
          assert.equal(vars.VPN_EVENT, 'C')
          assert.equal(vars.VPN_USER_ID, 'alice')
          assert.equal(vars.VPN_PROFILE_ID, 'lab-profile')
          assert.equal(vars.VPN_CONNECTION_ID, 'client.lab')
          assert.equal(vars.VPN_IP_FOUR, s?.vpnIp4)
          assert.match(vars.VPN_IP_FOUR ?? '', /^198\.18\.1\.\d+$/)
          assert.equal(vars.VPN_IP_SIX, '')
          assert.equal(vars.VPN_ORIGINATING_IP, '192.0.2.2')
          assert.equal(vars.VPN_PROTO, 'openvpn')
          assert.equal(vars.VPN_BYTES_IN, undefined)
          await fx.ping()
          await c.stop()
          const denv = await readWhen(
            'disconnect env',
            `${out}.D.alice`,
            (d) => d.includes('VPN_BYTES_OUT'),
            15_000
          )
          const dv = parseEnv(denv)
          assert.equal(dv.VPN_EVENT, 'D')
          assert.equal(dv.VPN_USER_ID, 'alice')
          assert.equal(dv.VPN_IP_FOUR, vars.VPN_IP_FOUR)
          assert.ok(Number(dv.VPN_BYTES_IN) > 0 && Number(dv.VPN_BYTES_OUT) > 0, denv)
          assert.equal(dv.VPN_ORIGINATING_IP, undefined)
          // the script refuses user "mac": the client is connected, then halted by client-kill
          const r = fx.client({ username: 'mac', password: 'mac-pw' })
          await pollUntil(
            'rejected client halted',
            () =>
              /Halt command was pushed by server \('access rejected'\)/.test(r.output())
                ? true
                : undefined,
            {
              timeoutMs: 20_000,
              describe: () => r.output().slice(-2000),
            }
          )
          await r.stop()
          const rs = await pollUntil(
            'rejected session ended',
            async () =>
              (await fx.store.listSessions({ username: 'mac' })).find(
                (x) => x.endReason === 'rejected by connect script'
              ),
            { timeoutMs: 15_000 }
          )
          assert.equal(rs.state, 'ended')
        }
      )
    }
  )

  void test(
    'events module (JazzVPN callbacks): accept_conn and validate_user decide for a real client',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      const path = join(fx.lab.dir, 'events.mjs')
      writeFileSync(
        path,
        `export function accept_conn(info) { return info.ip === '192.0.2.2' }
       export function validate_user(u) {
         return u.other_data.some((d) => d.code === 'UV_DEPT' && d.value === 'eng') ? 'accepted' : { status: 'rejected', reason: 'wrong department' }
       }`
      )
      await fx.withDaemon(
        {},
        async () => {
          assert.equal(
            await fx.outcome({
              username: 'alice',
              password: 'alice-pw',
              extra: ['push-peer-info', 'setenv UV_DEPT eng'],
            }),
            'connected'
          )
          assert.equal(
            await fx.outcome({
              username: 'alice',
              password: 'alice-pw',
              extra: ['push-peer-info', 'setenv UV_DEPT ops'],
            }),
            'failed:wrong department'
          )
        },
        { eventsPath: path }
      )
    }
  )

  void test(
    'server restart (SIGHUP): sessions closed with accounting, the client comes back through the daemon',
    T,
    async (t) => {
      if (!ROOT) return t.skip(NEEDS_ROOT)
      const lab = fx.lab
      await fx.withDaemon({}, async (daemon) => {
        const c = fx.client({
          username: 'alice',
          password: 'alice-pw',
          extra: ['connect-retry-max 20'],
        })
        assert.equal(await c.outcome(), 'connected')
        const before = (
          await fx.store.listSessions({ serverId: 'lab', activeOnly: true, username: 'alice' })
        )[0]
        assert.ok(before)
        const connects = daemon.stats.connects
        process.kill(lab.mgmtServer.pid, 'SIGHUP')
        const ended = await fx.sessionEnded(before.id, 20_000)
        assert.equal(ended.endReason, 'disconnected')
        await pollUntil(
          'reconnected',
          () =>
            (c.output().match(/Initialization Sequence Completed/g) ?? []).length >= 2
              ? true
              : undefined,
          {
            timeoutMs: 40_000,
            describe: () => c.output().slice(-2000),
          }
        )
        assert.ok(daemon.stats.connects > connects)
        const now = await fx.store.listSessions({
          serverId: 'lab',
          activeOnly: true,
          username: 'alice',
        })
        assert.equal(now.length, 1)
        assert.notEqual(now[0]?.id, before.id)
        assert.equal(now[0]?.state, 'active')
        await c.stop()
      })
    }
  )
})
