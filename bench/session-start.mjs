// Session benchmarks side by side with the stock openvpn 2.6 client (issue 6):
// session-start to "connected" (cold/warm; CLI from sources, CLI from dist, bus-level),
// iperf3 TCP both ways, peak RSS of the backend and of the whole stack.
// Run as root: node --conditions=source --import tsx bench/session-start.mjs
// (ROUNDS=5, IPERF_SECONDS=5 by default; `npx tsc -b packages/cli` first for the dist CLI).
// Writes bench/session-results.json.
await import('../test/e2e/bench-session.ts')
