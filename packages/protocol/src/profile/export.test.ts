import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { optionListToJson, profileFromJson, profileToJson, renderProfileText } from './export.js'
import { parseOptionList } from './option-list.js'
import { checkValidity } from './validity.js'
import { BASE, parseOk, withLines } from './test-support.js'
import { STATIC_KEY } from './testdata.js'

const FULL = withLines(
  [
    '# OVPN_ACCESS_SERVER_FRIENDLY_NAME=Office',
    '# OVPN_ACCESS_SERVER_WSHOST=vpn.example.net:443',
    'remote vpn2.example.net 443 tcp',
    'static-challenge "Enter OTP code" 1',
    'key-direction 1',
    'route 10.0.0.0 255.0.0.0',
    'route 10.1.0.0 255.255.0.0',
    'setenv IV_GUI_VER app_1',
    'setenv UV_X y',
    'auth-user-pass',
    `<tls-auth>\n${STATIC_KEY}</tls-auth>`,
  ].join('\n')
)

void describe('FetchJSON format (dbus-api §3.6)', () => {
  void test('single options as token arrays, multi-use ones as arrays of arrays, blocks as bodies', () => {
    const json = profileToJson(parseOk(FULL).profile)
    assert.deepEqual(json['key-direction'], ['1'])
    assert.deepEqual(json['static-challenge'], ['Enter OTP code', '1'])
    assert.deepEqual(json.remote, [
      ['vpn2.example.net', '443', 'tcp'],
      ['vpn.example.net', '1194'],
    ])
    assert.deepEqual(json.route, [
      ['10.0.0.0', '255.0.0.0'],
      ['10.1.0.0', '255.255.0.0'],
    ])
    assert.deepEqual(json.client, [])
    assert.deepEqual(json['auth-user-pass'], [])
    assert.equal(json['tls-auth']?.length, 1)
    assert.equal(json['tls-auth']?.[0], STATIC_KEY)
    assert.match(String(json.ca?.[0]), /^-----BEGIN CERTIFICATE-----\n/)
    assert.deepEqual(json.FRIENDLY_NAME, ['Office'])
    assert.equal(json.WSHOST, undefined, 'WSHOST meta option is dropped')
  })

  void test('upstream keeps the last of repeated single options; keepRepeated keeps all', () => {
    const list = parseOptionList('setenv A 1\nsetenv B 2\n').options
    assert.deepEqual(optionListToJson(list).setenv, ['B', '2'])
    assert.deepEqual(optionListToJson(list, { keepRepeated: true }).setenv, [
      ['A', '1'],
      ['B', '2'],
    ])
  })

  void test('JSON → text → profile round trip keeps the profile', () => {
    const original = parseOk(FULL).profile
    const back = profileFromJson(
      JSON.parse(JSON.stringify(profileToJson(original, { keepRepeated: true })))
    )
    assert.ok(back.ok, back.ok ? '' : JSON.stringify(back.issues))
    const again = parseOk(back.text).profile
    assert.deepEqual(
      again.connections[0]?.remotes.map((r) => r.host),
      ['vpn2.example.net', 'vpn.example.net']
    )
    assert.deepEqual(again.staticChallenge, original.staticChallenge)
    assert.deepEqual(again.tlsWrap, original.tlsWrap)
    assert.deepEqual(
      again.routing.routes.map((r) => r.network),
      ['10.0.0.0', '10.1.0.0']
    )
    assert.equal(again.meta.FRIENDLY_NAME, 'Office')
    assert.equal(again.cert?.fingerprint256, original.cert?.fingerprint256)
    assert.deepEqual(again.peerInfo, original.peerInfo)
  })

  void test('older JSON forms are accepted (1: one string, 2: strings for multi-use options)', () => {
    const r = profileFromJson({
      client: '',
      dev: 'tun',
      remote: ['a.example.net 1194 udp', 'b.example.net 443 tcp'],
      'static-challenge': '"Enter code" 0',
      ca: 'x\n',
    })
    assert.ok(r.ok)
    const list = r.options.map((o) => [o.name, [...o.args]])
    assert.deepEqual(list, [
      ['client', []],
      ['dev', ['tun']],
      ['remote', ['a.example.net', '1194', 'udp']],
      ['remote', ['b.example.net', '443', 'tcp']],
      ['static-challenge', ['Enter code', '0']],
      ['ca', ['x\n']],
    ])
  })

  void test('malformed JSON input is reported, not thrown', () => {
    for (const bad of [
      null,
      42,
      'text',
      [],
      { remote: 5 },
      { 'bad name!': ['x'] },
      { remote: [[{}]] },
    ]) {
      const r = profileFromJson(bad)
      assert.equal(r.ok, false, JSON.stringify(bad))
      assert.equal(!r.ok && r.issues[0]?.code, 'invalid_json')
    }
    // A line break inside a token must not smuggle a directive into the text form.
    for (const inject of [
      { verb: ['3\nup /bin/sh'] },
      { verb: '3\nup /bin/sh' },
      { route: ['x\rup y'] },
    ]) {
      const r = profileFromJson(inject)
      assert.equal(r.ok, false)
      assert.equal(!r.ok && r.issues[0]?.code, 'invalid_json')
    }
  })
})

void describe('Fetch text format', () => {
  void test('renders blocks, quotes arguments and writes meta as setenv opt; parses back', () => {
    const text = renderProfileText(parseOk(FULL).profile.options)
    assert.match(text, /^static-challenge "Enter OTP code" 1$/m)
    assert.match(text, /^setenv opt FRIENDLY_NAME Office$/m)
    assert.doesNotMatch(text, /WSHOST/)
    assert.match(
      text,
      /^<tls-auth>\n#\n# 2048 bit OpenVPN static key\n#\n-----BEGIN OpenVPN Static key V1-----$/m
    )
    const again = parseOk(text).profile
    assert.equal(again.meta.FRIENDLY_NAME, 'Office')
    assert.equal(again.staticChallenge?.text, 'Enter OTP code')
    assert.equal(renderProfileText(again.options), text)
  })
})

void describe('configuration manager validity (dbus-api §3.5)', () => {
  void test('a complete profile is valid', () => {
    assert.deepEqual(checkValidity(parseOptionList(BASE).options), {
      valid: true,
      missing: [],
      serverLocked: false,
      message: null,
    })
  })
  void test('missing options are listed in upstream wording', () => {
    const v = checkValidity(parseOptionList('verb 3\n').options)
    assert.equal(v.valid, false)
    assert.equal(
      v.message,
      'Configuration profile is missing required options: --ca, --client or --tls-client, --dev, --remote'
    )
    const some = checkValidity(
      parseOptionList('tls-client\ndev tun\n<connection>\nremote a\n</connection>\n').options
    )
    assert.equal(some.message, 'Configuration profile is missing required options: --ca')
  })
  void test('server-locked profiles are invalid', () => {
    const v = checkValidity(parseOptionList(`setenv GENERIC_CONFIG 1\n${BASE}`).options)
    assert.equal(v.valid, false)
    assert.equal(v.message, 'Server locked profiles are unsupported')
  })
})
