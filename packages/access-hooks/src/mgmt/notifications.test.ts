import { strict as assert } from 'node:assert'
import { describe, test } from 'node:test'
import { LineSplitter } from './line-splitter.js'
import { NotificationParser, type ParsedItem } from './notifications.js'

function feedAll(p: NotificationParser, lines: string[]): ParsedItem[] {
  return lines.flatMap((l) => p.feed(l))
}

void describe('LineSplitter', () => {
  void test('splits CRLF lines across chunks and surfaces the unterminated password prompt', () => {
    const s = new LineSplitter()
    assert.deepEqual(s.push('ENTER PASSWORD:'), [{ type: 'line', line: 'ENTER PASSWORD:' }])
    assert.deepEqual(s.push('SUCCESS: pass'), [])
    assert.deepEqual(s.push('word is correct\r\n>INFO:x\r'), [
      { type: 'line', line: 'SUCCESS: password is correct' },
    ])
    assert.deepEqual(s.push('\n'), [{ type: 'line', line: '>INFO:x' }])
  })

  void test('drops over-long lines whole, also when they span chunks', () => {
    const s = new LineSplitter(16)
    assert.deepEqual(s.push('a'.repeat(10)), [])
    assert.deepEqual(s.push('b'.repeat(10)), [])
    assert.deepEqual(s.push('ccc\nok\n'), [
      { type: 'overlong', bytes: 23 },
      { type: 'line', line: 'ok' },
    ])
  })
})

void describe('NotificationParser', () => {
  void test('assembles a CONNECT block; splits ENV at the first "="', () => {
    const p = new NotificationParser()
    const items = feedAll(p, [
      '>CLIENT:CONNECT,7,1',
      '>CLIENT:ENV,username=alice',
      '>CLIENT:ENV,password=a=b,c d',
      '>CLIENT:ENV,IV_SSO=openurl,webauth,crtext',
      '>CLIENT:ENV,END',
    ])
    assert.equal(items.length, 1)
    const n = items[0]
    assert.ok(n?.type === 'notification' && n.notification.kind === 'client')
    assert.equal(n.notification.event, 'CONNECT')
    assert.equal(n.notification.cid, 7)
    assert.equal(n.notification.kid, 1)
    assert.equal(n.notification.env.password, 'a=b,c d')
    assert.equal(n.notification.env.IV_SSO, 'openurl,webauth,crtext')
    assert.equal(n.notification.overflow, false)
  })

  void test('parses ESTABLISHED, DISCONNECT, CR_RESPONSE, ADDRESS and BYTECOUNT_CLI', () => {
    const p = new NotificationParser()
    const items = feedAll(p, [
      '>CLIENT:ESTABLISHED,3',
      '>CLIENT:ENV,ifconfig_pool_remote_ip=198.18.1.2',
      '>CLIENT:ENV,END',
      '>CLIENT:ADDRESS,3,198.18.1.2,1',
      '>BYTECOUNT_CLI:3,100,200',
      '>CLIENT:CR_RESPONSE,3,2,MTIzNDU2',
      '>CLIENT:ENV,END',
      '>CLIENT:DISCONNECT,3',
      '>CLIENT:ENV,bytes_received=10',
      '>CLIENT:ENV,END',
    ])
    const kinds = items.map((i) => (i.type === 'notification' ? i.notification : i))
    assert.deepEqual(
      kinds.map((k) => ('event' in k ? k.event : 'kind' in k ? k.kind : k.type)),
      ['ESTABLISHED', 'address', 'bytecount', 'CR_RESPONSE', 'DISCONNECT']
    )
    assert.deepEqual(kinds[1], { kind: 'address', cid: 3, address: '198.18.1.2', primary: true })
    assert.deepEqual(kinds[2], { kind: 'bytecount', cid: 3, bytesIn: 100, bytesOut: 200 })
    const cr = kinds[3]
    assert.ok(
      cr && 'kind' in cr && cr.kind === 'client' && cr.response === 'MTIzNDU2' && cr.kid === 2
    )
  })

  void test('non-">" lines are responses; garbage notifications are reported, not thrown', () => {
    const p = new NotificationParser()
    const items = feedAll(p, [
      'SUCCESS: pid=12',
      '>CLIENT:CONNECT,abc,1',
      '>CLIENT:CONNECT,99999999999,1',
      '>CLIENT:ENV,x=1',
      '>CLIENT:WHAT,1',
      '>NOCOLON',
      '\u0000\u0001garbage',
    ])
    assert.deepEqual(
      items.map((i) => i.type),
      ['response', 'malformed', 'malformed', 'malformed', 'malformed', 'malformed', 'response']
    )
  })

  void test('an interrupted ENV block is dropped and the interrupting line still parsed', () => {
    const p = new NotificationParser()
    const items = feedAll(p, ['>CLIENT:CONNECT,1,1', '>CLIENT:ENV,a=1', '>INFO:hello'])
    assert.equal(items[0]?.type, 'malformed')
    assert.ok(items[1]?.type === 'notification' && items[1].notification.kind === 'info')
    assert.equal(p.inBlock, false)
  })

  void test('huge ENV blocks are capped and flagged as overflow; __proto__ is ignored', () => {
    const p = new NotificationParser()
    p.feed('>CLIENT:CONNECT,1,1')
    p.feed('>CLIENT:ENV,__proto__=x')
    for (let i = 0; i < 5000; i++) p.feed(`>CLIENT:ENV,V${i}=${'x'.repeat(100)}`)
    const [item] = p.feed('>CLIENT:ENV,END')
    assert.ok(item?.type === 'notification' && item.notification.kind === 'client')
    assert.equal(item.notification.overflow, true)
    assert.ok(Object.keys(item.notification.env).length <= 1024)
    assert.equal(Object.getPrototypeOf(item.notification.env), Object.prototype)
  })
})

void describe('NotificationParser: the other real-time notifications (spec 2.3)', () => {
  void test('LOG, STATE, ECHO, PASSWORD, BYTECOUNT, FATAL, HOLD and UPDOWN with its ENV block', () => {
    const p = new NotificationParser()
    const items = feedAll(p, [
      '>LOG:1795393454,W,something, with commas',
      '>STATE:1795393454,CONNECTED,SUCCESS,198.18.1.1,,,,,',
      '>ECHO:1795393454,forget-passwords',
      ">PASSWORD:Need 'Private Key' password",
      '>BYTECOUNT:10,20',
      '>HOLD:Waiting for hold release:0',
      '>FATAL:cannot open TUN',
      '>UPDOWN:UP',
      '>UPDOWN:ENV,dev=tun0',
      '>UPDOWN:ENV,END',
      '>REMOTE:vpn.example,1194,udp',
      '>STATE:notime,X',
    ])
    const n = items.map((i) => (i.type === 'notification' ? i.notification : i))
    assert.deepEqual(n[0], {
      kind: 'log',
      text: '1795393454,W,something, with commas',
      time: 1795393454,
      flags: 'W',
      message: 'something, with commas',
    })
    assert.deepEqual(n[1], {
      kind: 'state',
      time: 1795393454,
      state: 'CONNECTED',
      fields: ['SUCCESS', '198.18.1.1', '', '', '', '', ''],
    })
    assert.deepEqual(n[2], { kind: 'echo', time: 1795393454, text: 'forget-passwords' })
    assert.deepEqual(n[3], { kind: 'password', text: "Need 'Private Key' password" })
    assert.deepEqual(n[4], { kind: 'bytecount-total', bytesIn: 10, bytesOut: 20 })
    assert.deepEqual(n[5], { kind: 'hold', text: 'Waiting for hold release:0' })
    assert.deepEqual(n[6], { kind: 'fatal', text: 'cannot open TUN' })
    assert.deepEqual(n[7], { kind: 'updown', event: 'UP', env: { dev: 'tun0' }, overflow: false })
    assert.deepEqual(n[8], { kind: 'other', prefix: 'REMOTE', text: 'vpn.example,1194,udp' })
    assert.equal((n[9] as { type?: string }).type, 'malformed')
  })
})
