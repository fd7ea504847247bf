/** Cipher negotiation (spec §12.4), INFO_PRE parsing (spec §17.5) and the data path (spec §13–§15). */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { createDataCrypto } from '../crypto/data-crypto.js'
import { OCC_MAGIC, PING_MAGIC } from '../wire/constants.js'
import { openDataPacket, sealDataPacket } from './data-path.js'
import { KeyState } from './key-state.js'
import { negotiateCipher, parseInfoPre } from './negotiation.js'

const ours = ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305']

void describe('negotiateCipher', () => {
  void test('pushed cipher must be in data-ciphers (case-insensitive, canonical result)', () => {
    assert.equal(negotiateCipher('aes-128-gcm', ours, '', undefined), 'AES-128-GCM')
    assert.throws(() => negotiateCipher('AES-256-CBC', ours, '', undefined), {
      name: 'PushOptionError',
    })
  })
  void test('no push: server OCC cipher, then fallback, else error', () => {
    assert.equal(
      negotiateCipher(undefined, ours, 'V4,cipher CHACHA20-POLY1305,auth SHA1', undefined),
      'CHACHA20-POLY1305'
    )
    assert.equal(negotiateCipher(undefined, ours, 'V4,cipher BF-CBC', 'AES-256-CBC'), 'AES-256-CBC')
    assert.throws(() => negotiateCipher(undefined, ours, 'V4', undefined), {
      name: 'PushOptionError',
    })
  })
})

void describe('parseInfoPre', () => {
  void test('WEB_AUTH, OPEN_URL, CR_TEXT, other', () => {
    assert.deepEqual(parseInfoPre('WEB_AUTH:external:https://a.example/x?y=1'), {
      kind: 'open-url',
      flags: 'external',
      url: 'https://a.example/x?y=1',
    })
    assert.deepEqual(parseInfoPre('OPEN_URL:https://b.example'), {
      kind: 'open-url',
      flags: '',
      url: 'https://b.example',
    })
    assert.deepEqual(parseInfoPre('CR_TEXT:E,R:Enter: PIN'), {
      kind: 'cr-text',
      text: 'Enter: PIN',
      echo: true,
      responseRequired: true,
    })
    assert.equal(parseInfoPre('SOMETHING'), undefined)
  })
})

void describe('data path', () => {
  const keyBlock = Buffer.alloc(256, 3)
  const mk = (role: 'client' | 'server'): KeyState => {
    const ks = new KeyState(2, { now: Date.now, tlsTimeoutMs: 2000 })
    ks.crypto = createDataCrypto({ cipher: 'AES-256-GCM', keyBlock, role })
    return ks
  }
  void test('IP, ping and OCC payloads; replay and unknown key ids', () => {
    const client = mk('client')
    const server = mk('server')
    const lookup = (id: number): KeyState | undefined => (id === 2 ? server : undefined)
    const ip = Buffer.from([0x45, 0, 0, 20])
    const p1 = sealDataPacket(client, 7, 'stub-v2', ip)
    assert.ok(p1)
    assert.equal(p1[0], (9 << 3) | 2)
    assert.equal(p1.readUInt32BE(0) & 0xffffff, 7)
    assert.deepEqual(openDataPacket(p1, lookup, 'stub-v2'), { kind: 'ip', packet: ip })
    assert.deepEqual(openDataPacket(p1, lookup, 'stub-v2'), { kind: 'replay' })
    const ping = sealDataPacket(client, undefined, 'none', PING_MAGIC)
    assert.ok(ping)
    assert.equal(ping[0], (6 << 3) | 2)
    assert.deepEqual(openDataPacket(ping, lookup, 'none'), { kind: 'ping' })
    const occ = sealDataPacket(client, 7, 'none', Buffer.concat([OCC_MAGIC, Buffer.from([6])]))
    assert.ok(occ)
    assert.deepEqual(openDataPacket(occ, lookup, 'none'), { kind: 'occ', opcode: 6 })
    const other = sealDataPacket(client, 7, 'none', ip)
    assert.ok(other)
    assert.deepEqual(
      openDataPacket(other, () => undefined, 'none'),
      { kind: 'bad' }
    )
    assert.deepEqual(openDataPacket(Buffer.from([0x48]), lookup, 'none'), { kind: 'bad' })
    assert.deepEqual(openDataPacket(Buffer.alloc(0), lookup, 'none'), { kind: 'bad' })
    // a control opcode (P_ACK_V1, key id 2) is not a data packet
    assert.deepEqual(openDataPacket(Buffer.from([(5 << 3) | 2, 0, 0, 0]), lookup, 'none'), {
      kind: 'bad',
    })
    // headers follow key id and peer id changes from packet to packet
    const other2 = new KeyState(5, { now: Date.now, tlsTimeoutMs: 2000 })
    other2.crypto = createDataCrypto({ cipher: 'AES-256-GCM', keyBlock, role: 'client' })
    const h5 = sealDataPacket(other2, 0x123456, 'none', ip)
    const h2 = sealDataPacket(client, 0x123456, 'none', ip)
    const h2v1 = sealDataPacket(client, undefined, 'none', ip)
    assert.equal(h5?.readUInt32BE(0), ((9 << 3) | 5) * 0x1000000 + 0x123456)
    assert.equal(h2?.readUInt32BE(0), ((9 << 3) | 2) * 0x1000000 + 0x123456)
    assert.equal(h2v1?.[0], (6 << 3) | 2)
  })
})
