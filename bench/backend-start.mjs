// Backend process start time: StartClient → RegistrationRequest → registration confirmed.
// Run: node --conditions=source --import tsx bench/backend-start.mjs   (ROUNDS=5 by default)
await import('../packages/backend/src/bench/start.ts')
