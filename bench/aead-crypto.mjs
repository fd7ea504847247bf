// In-process data-channel AEAD: native addon (@openvpn3-ts/aead) vs node:crypto, packets per CPU-second.
// Run: node --conditions=source --import tsx bench/aead-crypto.mjs [payload bytes] [runs]
await import('../packages/aead/src/bench/crypto.ts')
