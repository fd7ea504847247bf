/**
 * The backend hands the engine the native AEAD (issue 6) when the addon is built, without a log
 * line; the factory builds native contexts for AEAD ciphers and node:crypto ones for CBC.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { NativeAeadCrypto } from '@openvpn3-ts/aead'
import { nativeAeadPorts } from './native-aead.js'

void test('native AEAD factory for the engine ports', async () => {
  const lines: string[] = []
  const log = { client: (_c: number, text: string) => void lines.push(text) }
  const ports = await nativeAeadPorts(log)
  assert.deepEqual(lines, [])
  assert.ok(ports.dataCrypto, 'native factory offered')
  const keyBlock = Buffer.alloc(256, 3)
  assert.ok(ports.dataCrypto({ cipher: 'AES-256-GCM', keyBlock }) instanceof NativeAeadCrypto)
  assert.ok(!(ports.dataCrypto({ cipher: 'AES-128-CBC', keyBlock }) instanceof NativeAeadCrypto))
  assert.equal(await nativeAeadPorts(log), ports, 'loaded once per process')
})
