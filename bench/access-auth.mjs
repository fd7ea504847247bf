// Access hooks: authorisations/s and p50/p99 decision latency, management daemon vs forked
// auth-user-pass-verify script, in one run (decision path, plus real OpenVPN 2.6 when root).
// Run: node --conditions=source --import tsx bench/access-auth.mjs   (env N, NS, K, COST)
await import('../packages/access-hooks/src/bench/auth.ts')
