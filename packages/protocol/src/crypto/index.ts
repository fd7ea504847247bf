/**
 * @module crypto
 * Control-channel protection and data-channel cryptography over node:crypto (spec §4–§8, §12, §13).
 */
export * from './static-key.js'
export * from './replay.js'
export * from './tls-wrap.js'
export * from './tls-auth.js'
export * from './tls-crypt.js'
export * from './digest.js'
export * from './prf.js'
export * from './ciphers.js'
export * from './data-crypto.js'
export * from './dynamic-tls-crypt.js'
