// Data-channel benchmark of the protocol engine: in-process crypto and lab ICMP flood per cipher.
// Run: node --conditions=source --import tsx bench/protocol-datachannel.mjs
await import('../packages/protocol/src/bench/datachannel.ts')
