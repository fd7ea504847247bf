/**
 * The TLS client over a ControlDuplex with a secure context made ahead (`createTlsContext`,
 * `ClientPorts.tlsContext`, issue 6): the given context is the one the handshake uses; without
 * it the options' own CA, certificate and key are used as before; making a context fails the
 * way the handshake would (key mismatch). In-memory ends, lab PKI.
 */
import { describe, test } from 'node:test'
import { strict as assert } from 'node:assert'
import { Duplex } from 'node:stream'
import { TLSSocket, createSecureContext } from 'node:tls'
import { pkiMaterial } from '@openvpn3-ts/testkit'
import { ControlDuplex } from './control-duplex.js'
import { type TlsClientOptions, createTlsContext, startTlsClient } from './tls-client.js'

/** A client over a ControlDuplex against an in-memory server with the lab server cert. */
async function handshake(opts: TlsClientOptions, context?: ReturnType<typeof createTlsContext>) {
  const pem = await pkiMaterial()
  // what the client writes reaches the server end (only after both exist)
  const duplex = new ControlDuplex((chunk) => serverEnd.push(chunk))
  const serverEnd = new Duplex({
    read: () => undefined,
    write: (chunk: Buffer, _enc, cb) => {
      duplex.deliver(chunk)
      cb()
    },
  })
  const server = new TLSSocket(serverEnd, {
    isServer: true,
    secureContext: createSecureContext({ cert: pem.serverCert, key: pem.serverKey }),
  })
  server.on('error', () => undefined)
  let client: TLSSocket
  try {
    client = startTlsClient(duplex, opts, context)
  } catch (err) {
    // bad key material: thrown at once, as the engine's key state sees it
    server.destroy()
    return `thrown: ${(err as Error).message}`
  }
  try {
    return await new Promise<string>((resolve) => {
      client.once('secureConnect', () => resolve('connected'))
      client.on('error', (err) => resolve(`error: ${err.message}`))
      setTimeout(() => resolve('timeout'), 5000).unref()
    })
  } finally {
    client.destroy()
    server.destroy()
    serverEnd.destroy()
    duplex.destroy()
  }
}

void describe('TLS client with a prepared secure context', { timeout: 30_000 }, () => {
  void test('the given context is used instead of the options’ CA', async () => {
    const pem = await pkiMaterial()
    // the options name the wrong CA: only the prepared context can make this succeed
    const wrong: TlsClientOptions = { ca: pem.otherCaCert }
    assert.match(await handshake(wrong), /^error: /)
    const prepared = createTlsContext({ ca: pem.caCert })
    assert.equal(await handshake(wrong, prepared), 'connected')
    // and without a context the options' own CA is used as before
    assert.equal(await handshake({ ca: pem.caCert }), 'connected')
  })

  void test('making a context fails like the handshake would (key mismatch)', async () => {
    const pem = await pkiMaterial()
    const opts: TlsClientOptions = { ca: pem.caCert, cert: pem.clientCert, key: pem.otherClientKey }
    const made = (() => {
      try {
        createTlsContext(opts)
        return 'made'
      } catch (err) {
        return `thrown: ${(err as Error).message}`
      }
    })()
    assert.match(made, /^thrown: /)
    assert.equal(await handshake(opts), made)
  })
})
