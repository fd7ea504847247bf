/**
 * @module crypto/prf
 * The legacy OpenVPN key derivation (spec §12.3): the TLS 1.0 PRF (RFC 2246 §5,
 * P_MD5 xor P_SHA1) and the two-step master secret / key expansion.
 */
import { createHmac } from 'node:crypto'

function pHash(alg: 'md5' | 'sha1', secret: Buffer, seed: Buffer, n: number): Buffer {
  const out: Buffer[] = []
  let total = 0
  let a = seed
  while (total < n) {
    a = createHmac(alg, secret).update(a).digest()
    const block = createHmac(alg, secret).update(a).update(seed).digest()
    out.push(block)
    total += block.length
  }
  return Buffer.concat(out).subarray(0, n)
}

/** TLS 1.0 PRF with the label already part of `seed`. */
export function tls1Prf(secret: Buffer, seed: Buffer, n: number): Buffer {
  const half = Math.ceil(secret.length / 2)
  const s1 = secret.subarray(0, half)
  const s2 = secret.subarray(secret.length - half)
  const md5 = pHash('md5', s1, seed, n)
  const sha = pHash('sha1', s2, seed, n)
  const out = Buffer.allocUnsafe(n)
  for (let i = 0; i < n; i++) out[i] = (md5[i] ?? 0) ^ (sha[i] ?? 0)
  return out
}

export interface PrfInputs {
  preMaster: Buffer // 48, client
  clientRandom1: Buffer // 32
  clientRandom2: Buffer // 32
  serverRandom1: Buffer // 32
  serverRandom2: Buffer // 32
  clientSessionId: Buffer // 8
  serverSessionId: Buffer // 8
}

export const KEY_BLOCK_LENGTH = 256

/** key2 = PRF(PRF(pre_master, "OpenVPN master secret"…), "OpenVPN key expansion"…) (spec §12.3). */
export function legacyKeyBlock(i: PrfInputs): Buffer {
  const master = tls1Prf(
    i.preMaster,
    Buffer.concat([Buffer.from('OpenVPN master secret'), i.clientRandom1, i.serverRandom1]),
    48
  )
  return tls1Prf(
    master,
    Buffer.concat([
      Buffer.from('OpenVPN key expansion'),
      i.clientRandom2,
      i.serverRandom2,
      i.clientSessionId,
      i.serverSessionId,
    ]),
    KEY_BLOCK_LENGTH
  )
}

/** TLS-EKM label for data keys (spec §12.2). */
export const EKM_LABEL_DATA_KEYS = 'EXPORTER-OpenVPN-datakeys'
