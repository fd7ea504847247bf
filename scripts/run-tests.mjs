#!/usr/bin/env node
// Runs every *.test.ts under packages/*/src and test/ with node:test through tsx.
// Node 20 does not expand globs for --test, so the files are listed here.
// Usage: node scripts/run-tests.mjs [path-prefix ...]   (e.g. packages/protocol)
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

const root = new URL('..', import.meta.url).pathname
const skipDirs = new Set(['node_modules', 'dist', 'build', '.git'])

function walk(dir, out) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir)) {
    if (skipDirs.has(name)) continue
    const p = join(dir, name)
    const st = statSync(p)
    if (st.isDirectory()) walk(p, out)
    else if (name.endsWith('.test.ts')) out.push(relative(root, p))
  }
  return out
}

const files = [...walk(join(root, 'packages'), []), ...walk(join(root, 'test'), [])].sort()
const prefixes = process.argv.slice(2)
const selected = prefixes.length
  ? files.filter((f) => prefixes.some((p) => f.startsWith(p)))
  : files
if (selected.length === 0) {
  console.error(
    'run-tests: no test files found',
    prefixes.length ? `under ${prefixes.join(', ')}` : ''
  )
  process.exit(1)
}
const r = spawnSync(
  process.execPath,
  [
    '--conditions=source',
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=1',
    '--test-reporter=spec',
    ...selected,
  ],
  { cwd: root, stdio: 'inherit' }
)
process.exit(r.status ?? 1)
