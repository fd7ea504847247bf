/**
 * openvpn3-hooks against the real openvpn3-ts stack in the namespace lab (the e2e helpers of
 * test/e2e/stack.ts: log, configmgr, sessionmgr, netcfg, backendstart, a stock OpenVPN 2.6
 * server): `openvpn3 session-start` runs the connect hooks with the real device, protocol and
 * server address; pause/resume run nothing; `session-manage --disconnect` runs the disconnect
 * hooks once, with non-zero byte counters. Needs root (skipped otherwise).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { REPO_ROOT, delay, pollUntil, startProcess } from '@openvpn3-ts/testkit'
import type { Lab, TestBus, TestProcess } from '@openvpn3-ts/testkit'

/** The part of test/e2e/stack.ts used here (loaded at run time: it lives outside this package). */
interface Stack {
  lab: Lab
  bus: TestBus
  dir: string
  cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }>
  restartSessionMgr(): Promise<void>
  close(): Promise<void>
}
interface StackModule {
  startStack(opts: { servers: { kind: 'cert' }[] }): Promise<Stack>
  sessionPathOf(output: string): string | undefined
}

const canRun = process.getuid?.() === 0

function records(file: string): Record<string, string>[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('BEGIN ')
    .filter((b) => b.trimEnd().endsWith('\nEND'))
    .map((block) =>
      Object.fromEntries(
        block
          .trimEnd()
          .split('\n')
          .slice(1, -1)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)])
      )
    )
}

void describe(
  'openvpn3-hooks end to end (real stack, namespace lab)',
  { skip: !canRun && 'needs root' },
  () => {
    let st: Stack | undefined
    let mod: StackModule
    let daemon: TestProcess | undefined
    let dir: string
    let log: string

    before(async () => {
      mod = (await import(join(REPO_ROOT, 'test/e2e/stack.ts'))) as StackModule
      dir = mkdtempSync(join(tmpdir(), 'ovpn3-hooks-e2e-'))
      chmodSync(dir, 0o755)
      log = join(dir, 'runs.log')
      const hook = `#!/bin/sh\n{ echo "BEGIN $0"; env | grep -v '^PWD=' | sort; echo END; } >> ${log}\n`
      for (const sub of ['connect.d', 'disconnect.d']) {
        mkdirSync(join(dir, sub), { mode: 0o755 })
        writeFileSync(join(dir, sub, '10-record'), hook)
        chmodSync(join(dir, sub, '10-record'), 0o755)
      }
      st = await mod.startStack({ servers: [{ kind: 'cert' }] })
    })

    after(async () => {
      await daemon?.stop().catch(() => undefined)
      await st?.close()
      rmSync(dir, { recursive: true, force: true })
    })

    void test('session-start → connect hook; pause/resume and a session manager restart → nothing; disconnect → one disconnect hook', async (t) => {
      assert.ok(st)
      const server = st.lab.servers[0]
      assert.ok(server)
      const profile = join(st.dir, 'hooks-e2e.ovpn')
      writeFileSync(profile, server.profile)
      const imp = await st.cli(['config-import', '--config', profile, '--name', 'hooks-e2e'])
      assert.equal(imp.code, 0, imp.stderr)
      daemon = await startProcess({
        entry: 'packages/client-hooks/src/main.ts',
        args: ['--hooks-dir', dir, '--verbose'],
        bus: st.bus,
        waitForLine: /openvpn3-hooks info: ready/,
      })
      const wait = (n: number) =>
        pollUntil(`${n} hook runs`, () => (records(log).length >= n ? true : undefined), {
          timeoutMs: 20_000,
          intervalMs: 100,
          describe: () => daemon?.output() ?? '',
        })

      const t0 = Date.now()
      const s = await st.cli(['session-start', '--config', 'hooks-e2e'])
      assert.equal(s.code, 0, s.stdout + s.stderr)
      const path = mod.sessionPathOf(s.stdout)
      assert.ok(path)
      await wait(1)
      t.diagnostic(`session-start to connect hook done: ${Date.now() - t0} ms`)
      const c = records(log)[0]
      assert.equal(c?.['OPENVPN3_EVENT'], 'connect')
      assert.equal(c?.['OPENVPN3_SESSION_PATH'], path)
      assert.equal(c?.['OPENVPN3_CONFIG_NAME'], 'hooks-e2e')
      assert.match(c?.['OPENVPN3_DEVICE'] ?? '', /^tun\d+$/)
      assert.equal(c?.['OPENVPN3_PROTO'], server.proto)
      assert.equal(c?.['OPENVPN3_SERVER_IP'], '192.0.2.1')
      assert.equal(c?.['OPENVPN3_SERVER_PORT'], String(server.port))
      assert.equal(c?.['OPENVPN3_SESSION_OWNER'], '0')
      assert.match(daemon.output(), /following \S+ \(forward\)/)

      const ping = await st.lab.exec(st.lab.clientNs, 'ping', [
        '-c',
        '3',
        '-i',
        '0.2',
        '-W',
        '2',
        server.tunnelServerIp,
      ])
      assert.equal(ping.code, 0, ping.stdout + ping.stderr)

      let r = await st.cli(['session-manage', '--path', path, '--pause'])
      assert.equal(r.code, 0, r.stderr)
      await delay(1000)
      r = await st.cli(['session-manage', '--path', path, '--resume'])
      assert.equal(r.code, 0, r.stderr)
      await delay(2000)
      assert.equal(records(log).length, 1, 'pause/resume ran no hooks')

      // a session manager restart keeps the session: no hooks, and it is still followed
      await st.restartSessionMgr()
      await daemon.waitForLine(/session manager \(re\)started: re-checking sessions/, 10_000)
      await delay(1000)
      assert.equal(records(log).length, 1, 'a session manager restart ran no hooks')

      r = await st.cli(['session-manage', '--path', path, '--disconnect'])
      assert.equal(r.code, 0, r.stderr)
      await wait(2)
      const d = records(log)[1]
      t.diagnostic(
        `disconnect reason ${d?.['OPENVPN3_REASON']}, bytes in ${d?.['OPENVPN3_BYTES_IN']}`
      )
      assert.equal(d?.['OPENVPN3_EVENT'], 'disconnect')
      assert.equal(d?.['OPENVPN3_SESSION_PATH'], path)
      assert.equal(d?.['OPENVPN3_DEVICE'], c?.['OPENVPN3_DEVICE'])
      assert.ok(Number(d?.['OPENVPN3_BYTES_IN']) > 0, 'bytes in counted')
      assert.ok(Number(d?.['OPENVPN3_BYTES_OUT']) > 0, 'bytes out counted')
      await delay(1500)
      assert.equal(records(log).length, 2, 'exactly one disconnect')
    })
  }
)
