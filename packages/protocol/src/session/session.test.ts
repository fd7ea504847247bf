/**
 * Unit tests of the session codecs: key method 2 (spec §10), peer-info (§10.5), OCC string
 * (§10.4), control messages (§11), PUSH_REPLY parsing (§16).
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { classifyMessage, splitMessages } from './control-message.js'
import {
  decodeServerKeyMethod2,
  decodeString,
  encodeClientKeyMethod2,
  encodeString,
  newClientKeySource,
} from './key-method.js'
import { buildOccString, buildPeerInfo, ivProtoValue } from './peer-info.js'
import { parsePushOptions, splitPushReply, tokenize } from './push-reply.js'
import { nextKeyId } from './key-state.js'

void describe('key method 2', () => {
  void test('strings: u16 length incl. NUL; empty = bare u16 0', () => {
    assert.deepEqual(encodeString('ab'), Buffer.from([0, 3, 0x61, 0x62, 0]))
    assert.deepEqual(encodeString(undefined), Buffer.from([0, 0]))
    assert.deepEqual(decodeString(Buffer.from([0, 3, 0x61, 0x62, 0]), 0), { value: 'ab', next: 5 })
  })
  void test('client message layout', () => {
    const source = newClientKeySource()
    const m = encodeClientKeyMethod2({
      source,
      options: 'V4',
      username: 'u',
      password: 'p',
      peerInfo: 'IV_VER=1\n',
    })
    assert.deepEqual(m.subarray(0, 5), Buffer.from([0, 0, 0, 0, 2]))
    assert.deepEqual(m.subarray(5, 53), source.preMaster)
    assert.deepEqual(m.subarray(53, 85), source.random1)
    assert.deepEqual(m.subarray(85, 117), source.random2)
    assert.deepEqual(decodeString(m, 117), { value: 'V4', next: 117 + 5 })
    assert.equal(decodeString(m, 122).value, 'u')
    assert.equal(decodeString(m, 126).value, 'p')
    assert.equal(decodeString(m, 130).value, 'IV_VER=1\n')
  })
  void test('server message: 2.x (three empty strings) and openvpn3 (none), partial input', () => {
    const r1 = Buffer.alloc(32, 1)
    const r2 = Buffer.alloc(32, 2)
    const base = Buffer.concat([Buffer.from([0, 0, 0, 0, 2]), r1, r2, encodeString('V4,cipher X')])
    const v2 = Buffer.concat([base, Buffer.alloc(6), Buffer.from('PUSH_REPLY\0')])
    const d = decodeServerKeyMethod2(v2)
    assert.ok(d)
    assert.deepEqual(d.random1, r1)
    assert.equal(d.options, 'V4,cipher X')
    assert.equal(d.length, base.length + 6)
    assert.equal(decodeServerKeyMethod2(base)?.length, base.length)
    assert.equal(decodeServerKeyMethod2(base.subarray(0, 80)), undefined)
    assert.throws(
      () => decodeServerKeyMethod2(Buffer.concat([Buffer.from([0, 0, 0, 0, 1]), base.subarray(5)])),
      {
        name: 'MalformedPacketError',
      }
    )
  })
})

void describe('peer-info and OCC', () => {
  void test('recommended block of spec §10.5', () => {
    const pi = buildPeerInfo({
      dataCiphers: ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305'],
      tlsEkm: true,
      setenv: {
        IV_GUI_VER: 'app_1',
        IV_SSO: 'webauth,crtext',
        UV_X: 'not sent without push-peer-info',
      },
    })
    assert.equal(
      pi,
      'IV_VER=2.6.14\nIV_PLAT=linux\nIV_TCPNL=1\nIV_MTU=1600\nIV_NCP=2\n' +
        'IV_CIPHERS=AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305\nIV_PROTO=478\nIV_LZO_STUB=1\n' +
        'IV_COMP_STUB=1\nIV_COMP_STUBv2=1\nIV_GUI_VER=app_1\nIV_SSO=webauth,crtext\n'
    )
    assert.equal(ivProtoValue(false), 470)
  })
  void test('push-peer-info adds IV_HWADDR, IV_SSL and UV_*', () => {
    const pi = buildPeerInfo({
      dataCiphers: ['AES-256-GCM'],
      tlsEkm: true,
      pushPeerInfo: true,
      hwaddr: 'AA:BB:CC:DD:EE:FF',
      setenv: { UV_ROLE: 'admin', 'BAD NAME': 'x' },
    })
    assert.match(pi, /^IV_HWADDR=aa:bb:cc:dd:ee:ff$/m)
    assert.match(pi, /^IV_SSL=OpenSSL /m)
    assert.match(pi, /^UV_ROLE=admin$/m)
    assert.doesNotMatch(pi, /IV_NCP/)
    assert.doesNotMatch(pi, /BAD NAME/)
  })
  void test('OCC string', () => {
    assert.equal(
      buildOccString({
        proto: 'udp',
        tunMtu: 1500,
        cipher: 'AES-256-GCM',
        auth: '[null-digest]',
        keySize: 256,
        tlsAuthDirection: 1,
      }),
      'V4,dev-type tun,link-mtu 1559,tun-mtu 1500,proto UDPv4,keydir 1,cipher AES-256-GCM,auth [null-digest],keysize 256,tls-auth,key-method 2,tls-client'
    )
  })
  void test('key ids wrap 7 → 1', () => {
    assert.deepEqual([0, 1, 6, 7].map(nextKeyId), [1, 2, 7, 1])
  })
})

void describe('control messages', () => {
  void test('NUL splitting keeps the unfinished rest', () => {
    const { messages, rest } = splitMessages(Buffer.from('PUSH_REPLY,a\0INFO,hi\r\n\0AUTH_'))
    assert.deepEqual(messages, ['PUSH_REPLY,a', 'INFO,hi'])
    assert.equal(rest.toString(), 'AUTH_')
  })
  void test('classification order and fields', () => {
    assert.deepEqual(classifyMessage('AUTH_FAILED,SESSION: token expired'), {
      kind: 'auth-failed',
      reason: 'SESSION: token expired',
    })
    assert.deepEqual(classifyMessage('AUTH_FAILED'), { kind: 'auth-failed', reason: '' })
    assert.deepEqual(classifyMessage('RESTART,[PN]go away'), {
      kind: 'restart',
      flags: 'PN',
      message: 'go away',
    })
    assert.deepEqual(classifyMessage('HALT'), { kind: 'halt', flags: '', message: '' })
    assert.deepEqual(classifyMessage('INFO_PRE,WEB_AUTH::https://x'), {
      kind: 'info-pre',
      extra: 'WEB_AUTH::https://x',
    })
    assert.deepEqual(classifyMessage('INFO,hello'), { kind: 'info', text: 'hello' })
    assert.deepEqual(classifyMessage('AUTH_PENDING,timeout 300'), {
      kind: 'auth-pending',
      timeout: 300,
    })
    assert.deepEqual(classifyMessage('EXIT'), { kind: 'exit' })
    assert.equal(classifyMessage('ACC,x').kind, 'other')
  })
})

void describe('PUSH_REPLY', () => {
  void test('tokenizer: quotes and escapes', () => {
    assert.deepEqual(tokenize(`dhcp-option DOMAIN "a b" 'c\\d' e\\ f`), [
      'dhcp-option',
      'DOMAIN',
      'a b',
      'c\\d',
      'e f',
    ])
  })
  void test('continuation flag', () => {
    assert.deepEqual(splitPushReply('PUSH_REPLY,route 1.2.3.0 255.255.255.0,push-continuation 2'), {
      options: ['route 1.2.3.0 255.255.255.0'],
      more: true,
    })
    assert.equal(splitPushReply('PUSH_REPLY,ping 10,push-continuation 1').more, false)
    assert.deepEqual(splitPushReply('PUSH_REPLY'), { options: [], more: false })
  })
  void test('the illustrative reply of spec §16.2 and more options', () => {
    const { options } = splitPushReply(
      'PUSH_REPLY,route 10.8.0.1,topology net30,ping 10,ping-restart 120,ifconfig 10.8.0.6 10.8.0.5,' +
        'peer-id 0,cipher AES-256-GCM,protocol-flags cc-exit tls-ekm,tun-mtu 1500,' +
        'ifconfig-ipv6 fd00::1000/64 fd00::1,route-ipv6 2000::/3,redirect-gateway def1 ipv6,' +
        'dhcp-option DNS 10.8.0.1,dhcp-option DNS6 fd00::53,dhcp-option DOMAIN-SEARCH corp,' +
        'dns server 0 address 10.8.0.2 [fd00::2]:53,dns server 0 resolve-domains corp.example,' +
        'auth-token SESS_ID_AT_abc,auth-token-user YWxpY2U=,block-ipv6,echo hello,compress stub-v2'
    )
    const p = parsePushOptions(options, { tunMtu: 1400 })
    assert.equal(p.network.topology, 'net30')
    assert.deepEqual(p.network.ifconfig, { local: '10.8.0.6', remoteOrNetmask: '10.8.0.5' })
    assert.deepEqual(p.network.ifconfigIpv6, {
      local: 'fd00::1000',
      prefixLength: 64,
      remote: 'fd00::1',
    })
    assert.deepEqual(p.network.routes, [{ network: '10.8.0.1', netmask: '255.255.255.255' }])
    assert.deepEqual(p.network.routesIpv6, [{ network: '2000::/3' }])
    assert.equal(p.network.redirectGateway?.def1, true)
    assert.equal(p.network.redirectGateway?.ipv6, true)
    assert.equal(p.network.redirectGateway?.ipv4, true)
    assert.deepEqual(p.network.dnsServers, ['10.8.0.1', 'fd00::53'])
    assert.deepEqual(p.network.searchDomains, ['corp'])
    assert.deepEqual(p.network.dns, [
      { priority: 0, addresses: ['10.8.0.2', '[fd00::2]:53'], resolveDomains: ['corp.example'] },
    ])
    assert.equal(p.network.blockIpv6, true)
    assert.equal(p.network.tunMtu, 1500)
    assert.deepEqual(p.network.ignored, ['echo hello'])
    assert.equal(p.session.peerId, 0)
    assert.equal(p.session.cipher, 'AES-256-GCM')
    assert.equal(p.session.keyDerivation, 'tls-ekm')
    assert.deepEqual(p.session.protocolFlags, ['cc-exit', 'tls-ekm'])
    assert.equal(p.session.ping, 10)
    assert.equal(p.session.pingRestart, 120)
    assert.equal(p.session.authToken, 'SESS_ID_AT_abc')
    assert.equal(p.session.authTokenUser, 'alice')
    assert.equal(p.session.compression, 'stub-v2')
  })
  void test('route-nopull, pull-filter and refused compression', () => {
    const opts = [
      'route 10.0.0.0 255.0.0.0',
      'dhcp-option DNS 1.1.1.1',
      'ifconfig 10.8.0.2 255.255.255.0',
      'comp-lzo yes',
    ]
    const p = parsePushOptions(opts, { tunMtu: 1500, routeNopull: true })
    assert.deepEqual(p.network.routes, [])
    assert.deepEqual(p.network.dnsServers, [])
    assert.ok(p.network.ifconfig)
    assert.equal(p.session.compressionUnsupported, 'comp-lzo yes')
    const f = parsePushOptions(opts, {
      tunMtu: 1500,
      pullFilters: [
        { action: 'ignore', text: 'route ' },
        { action: 'reject', text: 'dhcp-option' },
      ],
    })
    assert.deepEqual(f.network.routes, [])
    assert.equal(f.rejected, 'dhcp-option DNS 1.1.1.1')
  })
})
