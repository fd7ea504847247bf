// Connect-time benchmark of the protocol engine vs the stock openvpn 2.6 client (root, netns).
// Run: node --conditions=source --import tsx bench/protocol-connect.mjs   (ROUNDS=5 by default)
await import('../packages/protocol/src/bench/connect.ts')
