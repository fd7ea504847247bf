#!/usr/bin/env node
// Builds the AEAD addon (native/binding.gyp) with node-gyp; run by the package's `install` script,
// so a root-level `npm ci` builds it. The addon links against the OpenSSL inside the running Node
// (its EVP symbols are exported by the node binary), so node-gyp is pointed at that Node's own
// headers when they are installed locally (Debian: /usr/include/node, which also carries the
// matching openssl/ headers) and nothing is downloaded. npm's own node-gyp is preferred.
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
