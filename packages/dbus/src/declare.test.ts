/**
 * Types derived from the declarations: checked by the compiler (`tsc -b` fails when an
 * expectation below stops holding) plus a runtime check of signatureOf.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import {
  configurationManagerInterface,
  netcfgDeviceInterface,
  sessionObjectInterface,
} from './api/index.js'
import type {
  MethodInArgs,
  MethodInTuple,
  MethodOut,
  PropertyType,
  SignalTuple,
} from './declare.js'
import { signatureOf } from './declare.js'
import type { MethodResult } from './proxy.js'
import type { ObjectImpl } from './service/host.js'

type Cfg = typeof configurationManagerInterface
type Sess = typeof sessionObjectInterface
type Dev = typeof netcfgDeviceInterface

const importIn: MethodInTuple<Cfg['methods']['Import']> = ['name', 'text', false, true]
const importNamed: MethodInArgs<Cfg['methods']['Import']> = {
  name: 'n',
  config_str: 'c',
  single_use: false,
  persistent: true,
}
const importOut: MethodOut<Cfg['methods']['Import']> = '/net/openvpn/v3/configuration/x'
const fetchOut: MethodOut<Sess['methods']['UserInputQueueFetch']> = [
  1,
  1,
  0,
  'username',
  'Auth User name',
  false,
]
const status: PropertyType<Sess['properties']['status']> = [2, 7, 'connected']
const devicePath: PropertyType<Sess['properties']['device_path']> = '/net/openvpn/v3/netcfg/1_x'
const event: SignalTuple<Cfg['signals']['ConfigurationManagerEvent']> = ['/p', 1, 0]
const establish: MethodResult<Dev['methods']['Establish']> = { value: undefined, fds: [7] }
const nets: MethodInTuple<Dev['methods']['AddNetworks']> = [[['10.0.0.0', 8, -1, false, false]]]

// @ts-expect-error wrong type for single_use
const badIn: MethodInTuple<Cfg['methods']['Import']> = ['name', 'text', 'no', true]
// @ts-expect-error status is a (uus) tuple, not a string
const badStatus: PropertyType<Sess['properties']['status']> = 'connected'
// @ts-expect-error an implementation must provide every declared method
const incomplete: ObjectImpl<Cfg> = { methods: {}, properties: { version: { get: () => 'v27' } } }
const readOnly: ObjectImpl<Cfg>['properties']['version'] = {
  get: () => 'v27',
  // @ts-expect-error read-only properties take no setter
  set: () => undefined,
}

void [importIn, importNamed, importOut, fetchOut, status, devicePath, event, establish, nets]
void [badIn, badStatus, incomplete, readOnly]

void describe('declaration helpers', () => {
  void test('signatureOf joins argument types in order', () => {
    assert.equal(signatureOf(configurationManagerInterface.methods.Import.in), 'ssbb')
    assert.equal(signatureOf(sessionObjectInterface.methods.UserInputQueueFetch.out), 'uuussb')
    assert.equal(signatureOf(netcfgDeviceInterface.methods.Establish.out), '')
  })
})
