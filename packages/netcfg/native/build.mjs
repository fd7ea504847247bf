#!/usr/bin/env node
// Builds the TUN addon (native/binding.gyp) with node-gyp; run by the package's `install` script,
// so a root-level `npm ci` builds it. It points node-gyp at the headers of the running Node when
// they are installed locally (Debian's nodejs ships them under /usr/include/node), so nothing is
// downloaded. It prefers npm's own node-gyp (npm_config_node_gyp) and falls back to the local one.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

function nodeGypScript() {
  const fromNpm = process.env.npm_config_node_gyp
  if (fromNpm && existsSync(fromNpm)) return fromNpm
  return require.resolve('node-gyp/bin/node-gyp.js')
}

const args = [nodeGypScript(), 'rebuild', `--directory=${here}`]
const env = { ...process.env }
if (!env.npm_config_nodedir) {
  const prefix = dirname(dirname(process.execPath))
  if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) env.npm_config_nodedir = prefix
}
const r = spawnSync(process.execPath, args, { stdio: 'inherit', env })
process.exit(r.status ?? 1)
