// Backend packets/s through TUN + engine (iperf3 TCP and UDP through a real tunnel, netns lab).
// Run: node --conditions=source --import tsx bench/backend-throughput.mjs   (SECONDS=5, RUNNER=dist)
await import('../packages/backend/src/bench/throughput.ts')
