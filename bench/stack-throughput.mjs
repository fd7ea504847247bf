// Whole-stack iperf3 TCP throughput, ours (session over the bus, services and backend compiled)
// vs the stock openvpn 2.6 client, interleaved rounds in one run, with the server's UDP
// receive-buffer drops, TCP retransmits and client CPU per run (issue 6).
// Run as root after `npm run build`:
//   flock /tmp/bench.lock env -u NODE_EXTRA_CA_CERTS node --conditions=source --import tsx bench/stack-throughput.mjs
// (ROUNDS=5, SECONDS=8, VARIANTS=0: comma-separated send-batch caps for our client, 0 = no cap).
// Writes bench/results/stack-throughput.json.
await import('../test/e2e/bench-throughput.ts')
