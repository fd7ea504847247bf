/**
 * The `openvpn3` config commands end to end, as a user types them: real CLI processes as the
 * test user (and a second UID) against the real configuration manager on a private bus
 * (spec dbus-api.md §13.1, §3).
 */
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { chmodSync, mkdtempSync, rmSync, writeFileSync, chownSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  pkiMaterial,
  startBus,
  startProcess,
  testUsers,
  type TestBus,
  type TestProcess,
  type UnixUser,
} from '@openvpn3-ts/testkit'

const CLI = 'packages/cli/src/openvpn3.ts'
const SERVICE = 'packages/configmgr/src/main.ts'

interface Result {
  code: number | null
  stdout: string
  stderr: string
}

void describe('openvpn3 config commands', { timeout: 240_000 }, () => {
  const users = testUsers()
  let bus: TestBus
  let service: TestProcess
  let dir: string

  async function cli(
    args: string[],
    opts: { user?: UnixUser; input?: string } = {}
  ): Promise<Result> {
    const user = opts.user ?? users.test
    const p = await startProcess({
      entry: CLI,
      args,
      bus,
      uid: user.uid,
      gid: user.gid,
      stdin: 'pipe',
      name: `openvpn3 ${args[0] ?? ''}`,
    })
    p.child.stdin?.end(opts.input ?? '')
    const { code } = await p.waitForExit(30_000)
    return { code, stdout: p.stdout(), stderr: p.stderr() }
  }

  before(async () => {
    bus = await startBus()
    dir = mkdtempSync(join(tmpdir(), 'cli-test-'))
    chmodSync(dir, 0o755)
    const state = join(dir, 'state')
    service = await startProcess({
      entry: SERVICE,
      args: ['--state-dir', state, '--idle-exit', '0'],
      bus,
      waitForName: 'net.openvpn.v3.configuration',
      timeoutMs: 20_000,
    })
    const pem = await pkiMaterial()
    const files: Record<string, string> = {
      'ca.crt': pem.caCert,
      'client.crt': pem.clientCert,
      'client.key': pem.clientKey,
      'lab.ovpn':
        'client\ndev tun\nremote 192.0.2.1 1194 udp\nnobind\nca ca.crt\ncert client.crt\nkey client.key\n',
      'evil.ovpn':
        'client\ndev tun\nremote 192.0.2.1\nca ca.crt\nscript-security 2\nup /bin/true\n',
    }
    for (const [n, t] of Object.entries(files)) {
      writeFileSync(join(dir, n), t, { mode: 0o644 })
      chownSync(join(dir, n), users.test.uid, users.test.gid)
    }
  })
  after(async () => {
    await service?.stop()
    await bus?.stop()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  void test('help and usage errors need no bus and exit non-zero', async () => {
    const h = await cli(['help'])
    assert.equal(h.code, 0)
    assert.match(h.stdout, /config-import/)
    const u = await cli(['config-import'])
    assert.equal(u.code, 2)
    assert.match(u.stderr, /^openvpn3\/config-import: missing --config FILE$/m)
    const x = await cli(['no-such-command'])
    assert.equal(x.code, 2)
    const o = await cli(['configs-list', '--bogus'])
    assert.equal(o.code, 2)
    assert.match(o.stderr, /unknown option --bogus/)
  })

  void test('import (with referenced files inlined), list, dump, manage, acl, remove', async () => {
    const imp = await cli([
      'config-import',
      '--config',
      join(dir, 'lab.ovpn'),
      '--name',
      'lab',
      '--persistent',
      '--tag',
      'work',
    ])
    assert.equal(imp.code, 0, imp.stderr)
    const path = /Configuration path: (\S+)/.exec(imp.stdout)?.[1]
    assert.ok(path?.startsWith('/net/openvpn/v3/configuration/'))

    const list = await cli(['configs-list'])
    assert.equal(list.code, 0, list.stderr)
    assert.match(list.stdout, /^Configuration Name\s+Last used$/m)
    assert.match(list.stdout, /^lab\s+Never$/m)
    const json = JSON.parse((await cli(['configs-list', '--json'])).stdout) as Record<
      string,
      { name: string; persistent: boolean; tags: string[] }
    >
    assert.equal(json[path ?? '']?.name, 'lab')
    assert.equal(json[path ?? '']?.persistent, true)
    assert.deepEqual(json[path ?? '']?.tags, ['work'])
    const verbose = await cli(['configs-list', '--verbose'])
    assert.ok(verbose.stdout.includes(path ?? '?'))
    assert.match(verbose.stdout, new RegExp(`\\(${users.test.uid}\\) ${users.test.name}`))
    assert.equal(
      (await cli(['configs-list', '--count', '--filter-tag', 'work'])).stdout.trim(),
      '1'
    )
    assert.equal(
      (await cli(['configs-list', '--count', '--filter-config', 'nope'])).stdout.trim(),
      '0'
    )

    const dump = await cli(['config-dump', '--config', 'lab'])
    assert.equal(dump.code, 0, dump.stderr)
    assert.match(dump.stdout, /^<ca>\n-----BEGIN CERTIFICATE-----/m)
    assert.match(dump.stdout, /^remote 192\.0\.2\.1 1194 udp$/m)
    const dj = JSON.parse(
      (await cli(['config-dump', '--path', path ?? '', '--json'])).stdout
    ) as Record<string, unknown>
    assert.deepEqual(dj.dev, ['tun'])

    const m = await cli([
      'config-manage',
      '-c',
      'lab',
      '--persist-tun',
      'true',
      '--proto-override',
      'tcp',
      '--dco',
      'true',
      '--show',
    ])
    assert.equal(m.code, 0, m.stderr)
    assert.match(m.stdout, /persist-tun: true/)
    assert.match(m.stdout, /proto-override: tcp/)
    assert.match(m.stdout, /Data Channel Offload: Yes/)
    const bad = await cli(['config-manage', '-c', 'lab', '--proto-override', 'sctp'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /--proto-override must be one of: tcp, udp/)
    const unset = await cli(['config-manage', '-c', 'lab', '--unset-override', 'ipv6'])
    assert.equal(unset.code, 1)
    assert.match(unset.stderr, /Override 'ipv6' has not been set/)
    const ren = await cli(['config-manage', '-c', 'lab', '--rename', 'lab2'])
    assert.equal(ren.code, 0, ren.stderr)
    assert.equal((await cli(['config-manage', '--exists', '-c', 'lab2', '--quiet'])).code, 0)
    assert.equal((await cli(['config-manage', '--exists', '-c', 'lab', '--quiet'])).code, 1)

    // second UID sees nothing until granted
    const other = users.nobody
    const o1 = await cli(['config-dump', '-o', path ?? ''], { user: other })
    assert.equal(o1.code, 1)
    assert.match(o1.stderr, /Access to the configuration profile is denied\./)
    const g = await cli(['config-acl', '-c', 'lab2', '--grant', String(other.uid), '--show'])
    assert.equal(g.code, 0, g.stderr)
    assert.match(g.stdout, /Users granted access: 1 user/)
    assert.equal((await cli(['config-dump', '-o', path ?? ''], { user: other })).code, 0)
    assert.match((await cli(['configs-list'], { user: other })).stdout, /^lab2\s/m)
    const r = await cli([
      'config-acl',
      '-c',
      'lab2',
      '--revoke',
      String(other.uid),
      '--public-access',
      'true',
    ])
    assert.equal(r.code, 0, r.stderr)
    const o2 = await cli(['config-dump', '-o', path ?? ''], { user: other })
    assert.equal(o2.code, 1)
    const o3 = await cli(['config-remove', '-o', path ?? '', '--force'], { user: other })
    assert.equal(o3.code, 1)
    assert.match(o3.stderr, /denied/)

    // removal asks for YES
    const no = await cli(['config-remove', '-c', 'lab2'], { input: 'no\n' })
    assert.equal(no.code, 1)
    assert.match(no.stderr, /not removed/)
    const yes = await cli(['config-remove', '-c', 'lab2'], { input: 'YES\n' })
    assert.equal(yes.code, 0, yes.stderr)
    assert.match(yes.stdout, /Configuration removed\./)
    assert.equal((await cli(['config-manage', '--exists', '-c', 'lab2', '--quiet'])).code, 1)
  })

  void test('version --services reads the running services only', async () => {
    const v = await cli(['version', '--services'])
    assert.equal(v.code, 0, v.stderr)
    assert.match(v.stdout, /^OpenVPN 3\/Linux v\d+/)
    assert.match(v.stdout, /Configuration Manager: v\d+/)
    assert.match(v.stdout, /Session Manager: not running/)
  })

  void test('refused profiles print every problem on its own line', async () => {
    const r = await cli(['config-import', '--config', join(dir, 'evil.ovpn')])
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /^openvpn3\/config-import: Invalid configuration profile: line 5: 'script-security'/m
    )
    assert.match(r.stderr, /^openvpn3\/config-import: line 6: 'up': /m)
    const missing = await cli(['config-import', '--config', join(dir, 'nope.ovpn')])
    assert.equal(missing.code, 1)
    assert.match(missing.stderr, /Could not read/)
    const amb1 = await cli(['config-import', '-c', join(dir, 'lab.ovpn'), '-n', 'twin'])
    const amb2 = await cli(['config-import', '-c', join(dir, 'lab.ovpn'), '-n', 'twin'])
    assert.deepEqual([amb1.code, amb2.code], [0, 0])
    const amb = await cli(['config-dump', '-c', 'twin'])
    assert.equal(amb.code, 1)
    assert.match(amb.stderr, /More than one configuration profile was found/)
  })
})
