/**
 * @module testing/fixtures
 * Known-answer material from upstream unit tests, cited per value (spec §21). Test-only.
 */

/** 256-byte static key of upstream `tests/unit_tests/openvpn/test_pkt.c` (`static_key`). */
export const TEST_PKT_STATIC_KEY = `-----BEGIN OpenVPN Static key V1-----
37268ea8f95d7f71f9fb8fc03770c460
daf714a483d815c013ce0a537efc18f2
8f4f172669d9e6a413bac6741d8ea054
00f49b7fd6326470f23798c606bf53d4
de63ebc64ec59d57ce5d04d5b62e68b5
3ca6e5354351097fa370446c4d269f18
7bb6ae54af2dc70ff7317fe2f8754b82
82aad4202f9fa42c8640245d883e2c54
a0c1c489a036cf3a8964d8d289c1583b
9447c262b1da5fd167a5d27bd5ac5143
17bc2343a31a2efc38dd920d910375f5
1c2e27f3afd36c49269da079f7ce466e
bb0f9ad13e9bbb4665974e6bc24b513c
5700393bf4a3e7f967e2f384069ac8a8
e78b18b15604993fd16515cce9c0f3e4
2b4126b999005ade802797b0eeb8b9e6
-----END OpenVPN Static key V1-----
`

/** Deterministic PRNG (mulberry32) for fuzz-style tests with a fixed seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export function randomBuffer(rand: () => number, maxLen: number): Buffer {
  const len = Math.floor(rand() * (maxLen + 1))
  const b = Buffer.allocUnsafe(len)
  for (let i = 0; i < len; i++) b[i] = Math.floor(rand() * 256)
  return b
}
