/**
 * TunDevice in a throw-away network namespace: the device is created in this process (root
 * namespace, down, no address) and moved into the test namespace at once, where it gets
 * 198.18.0.1/24; the fd keeps working across the move. UDP peers run inside the namespace.
 */
import { test, describe, before, after } from 'node:test'
import { strict as assert } from 'node:assert'
import { readdirSync, readlinkSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { TunDevice } from './tun-device.js'
import { TestNetns, canUseNetns, ip, uniqueSuffix, waitForLine } from '../testing/netns.js'
import { buildUdp4, parseUdp4 } from '../testing/packets.js'

const skip = canUseNetns() ? false : 'needs root for network namespaces'
const addonPath = fileURLToPath(new URL('../../native/build/Release/tun.node', import.meta.url))

/** fds of this process open on /dev/net/tun (other fds come and go with child processes) */
function openTunFds(): number {
  let n = 0
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === '/dev/net/tun') n++
    } catch {
      // closed while we looked
    }
  }
  return n
}

void describe('TunDevice in a namespace', { skip, timeout: 60_000 }, () => {
  let ns: TestNetns
  let tun: TunDevice
  let fdsBefore = 0

  before(async () => {
    fdsBefore = openTunFds()
    ns = await TestNetns.create('nstun')
    tun = TunDevice.open(`tt${uniqueSuffix()}`)
    try {
      await ip(['link', 'set', tun.name, 'netns', ns.name])
      await ns.ip(['addr', 'add', '198.18.0.1/24', 'dev', tun.name])
      await ns.ip(['link', 'set', tun.name, 'up'])
    } catch (e) {
      tun.close()
      throw e
    }
  })

  after(async () => {
    tun.close()
    await ns.close()
  })

  void test('the device sits in the namespace and ifName matches', async () => {
    const links = await ns.ip(['-br', 'link', 'show', 'dev', tun.name])
    assert.match(links, new RegExp(`^${tun.name}\\s+UNKNOWN`))
    assert.equal(TunDevice.fromFd(tun.fd).name, tun.name)
  })

  void test('packets routed into the device are read in batches', async () => {
    const count = 50
    const got: Buffer[] = []
    let batches = 0
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${got.length} packets`)), 10_000)
      tun.startReading(
        {
          onPackets(packets) {
            batches++
            for (const p of packets) {
              const u = parseUdp4(p)
              if (u?.dstPort === 9000) got.push(u.payload)
            }
            if (got.length >= count) {
              clearTimeout(timer)
              resolve()
            }
          },
          onError: reject,
        },
        { maxBatch: 16 }
      )
    })
    const sender = ns.spawnNode(
      `const s=require('dgram').createSocket('udp4');let i=0;
       const go=()=>{if(i==${count}){s.close();return}s.send('pkt-'+(i++),9000,'198.18.0.2',go)};go()`
    )
    try {
      await done
    } finally {
      tun.stopReading()
      sender.kill('SIGKILL')
    }
    assert.equal(got.length, count)
    assert.deepEqual(
      got.map((b) => b.toString()),
      Array.from({ length: count }, (_, i) => `pkt-${i}`)
    )
    assert.ok(batches <= count, `batches=${batches}`)
    assert.equal(tun.reading, false)
  })

  void test('packets written to the device reach a UDP socket in the namespace', async () => {
    const receiver = ns.spawnNode(
      `const s=require('dgram').createSocket('udp4');let n=0;
       s.on('message',m=>{console.log('got '+m);if(++n==20){s.close()}});
       s.bind(9100,'198.18.0.1',()=>console.log('ready'))`
    )
    await waitForLine(receiver, /^ready/)
    const lines: string[] = []
    receiver.stdout?.on('data', (d: Buffer) => lines.push(...d.toString().split('\n')))
    const exited = new Promise<number | null>((r) => receiver.on('exit', (c) => r(c)))
    const packets = Array.from({ length: 20 }, (_, i) =>
      buildUdp4('198.18.0.2', '198.18.0.1', 40000, 9100, Buffer.from(`out-${i}`))
    )
    assert.equal(tun.write(packets), 20)
    const code = await Promise.race([
      exited,
      new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 5000)),
    ])
    assert.equal(code, 0, `receiver: ${lines.join('|')}`)
    assert.deepEqual(
      lines.filter((l) => l.startsWith('got ')),
      Array.from({ length: 20 }, (_, i) => `got out-${i}`)
    )
  })

  void test('a malformed packet is skipped, not fatal', () => {
    assert.equal(tun.write([Buffer.from([0x00, 0x01])]), 0)
  })

  void test('close removes the device and leaks no fd', async () => {
    const name = tun.name
    tun.close()
    tun.close() // idempotent
    assert.equal(tun.closed, true)
    assert.throws(() => tun.fd, { name: 'TunClosedError' })
    await assert.rejects(ns.ip(['link', 'show', 'dev', name]))
    assert.equal(openTunFds(), fdsBefore)
  })
})

void describe('TunDevice process exit', { skip, timeout: 30_000 }, () => {
  void test('a process with a stopped poller exits on its own', async () => {
    const ns = await TestNetns.create('nstux')
    try {
      const child = ns.spawnNode(
        `const t=require(process.argv[1]);const d=t.open('');
         const p=new t.Poller(d.fd,()=>{},64,65536);
         setTimeout(()=>{p.stop();t.close(d.fd);console.log('stopped '+d.name)},50)`,
        [addonPath]
      )
      const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
      await waitForLine(child, /^stopped tun\d+/)
      const code = await Promise.race([
        exit,
        new Promise<'hang'>((r) => setTimeout(() => r('hang'), 5000)),
      ])
      assert.equal(code, 0)
    } finally {
      await ns.close()
    }
  })

  void test('an unref()ed poller does not keep the process alive', async () => {
    const ns = await TestNetns.create('nstux')
    try {
      const child = ns.spawnNode(
        `const t=require(process.argv[1]);const d=t.open('');
         const p=new t.Poller(d.fd,()=>{},64,65536);p.unref();console.log('polling '+p.active)`,
        [addonPath]
      )
      const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
      await waitForLine(child, /^polling true/)
      const code = await Promise.race([
        exit,
        new Promise<'hang'>((r) => setTimeout(() => r('hang'), 5000)),
      ])
      assert.equal(code, 0)
    } finally {
      await ns.close()
    }
  })
})
