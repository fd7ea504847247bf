/**
 * Loading the single-file CLI bundle made by build.ts: `cli.cjs` is compiled with the V8 code
 * cache `cli.cjs.cache` written at build time, so start-up skips parsing and compiling the
 * ~1 MB of JavaScript behind a command (issue 6: `openvpn3` start-up time). The bundle is
 * used only when it is current: every source file it was built from must still have the size
 * and modification time recorded in `cli.json`; otherwise (or when anything is missing or
 * unreadable, or does not compile) `loadBundle` returns undefined and the caller imports the
 * modules as usual.
 * A cache that V8 rejects (other Node version) is simply not used; nothing is written here.
 */
import { readFileSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { Script } from 'node:vm'
import type * as Entry from './entry.js'

export type BundleExports = typeof Entry

export const BUNDLE_FILE = 'cli.cjs'
export const CACHE_FILE = 'cli.cjs.cache'
export const MANIFEST_FILE = 'cli.json'

/** `[path relative to the manifest's root, size, mtimeMs]` of one bundle input. */
export type InputStamp = readonly [path: string, size: number, mtimeMs: number]

export interface BundleManifest {
  /** directory the input paths are relative to, relative to the bundle's directory */
  readonly root: string
  readonly inputs: readonly InputStamp[]
  /** size and mtime of cli.cjs when the cache was made for it */
  readonly bundle: readonly [size: number, mtimeMs: number]
}

export interface LoadedBundle {
  readonly exports: BundleExports
  /** whether V8 accepted the code cache (false: none, stale, or rejected) */
  readonly cacheUsed: boolean
  /** code cache of everything compiled so far (build.ts writes it after a warm-up) */
  createCachedData(): Buffer
}

function stampOf(file: string): [number, number] | undefined {
  try {
    const st = statSync(file)
    return [st.size, st.mtimeMs]
  } catch {
    return undefined
  }
}

/** True when every input recorded in the manifest of the bundle in `dir` is unchanged. */
export function isCurrent(manifest: BundleManifest, dir: string): boolean {
  const root = join(dir, manifest.root)
  for (const [path, size, mtimeMs] of manifest.inputs) {
    const st = stampOf(join(root, path))
    if (!st || st[0] !== size || st[1] !== mtimeMs) return false
  }
  return true
}

/**
 * Load the bundle in `dir` (with its code cache), or undefined when there is none, it is out
 * of date, or `OPENVPN3_TS_BUNDLE=0` is set. `opts.ignoreCache` compiles without the cache
 * (build.ts, to make a fresh one).
 */
export function loadBundle(
  bundleDir: string,
  opts: { ignoreCache?: boolean } = {}
): LoadedBundle | undefined {
  if (process.env['OPENVPN3_TS_BUNDLE'] === '0') return undefined
  const dir = resolve(bundleDir)
  const file = join(dir, BUNDLE_FILE)
  let manifest: BundleManifest
  let source: string
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as BundleManifest
    if (!isCurrent(manifest, dir)) return undefined
    // esbuild writes ASCII only (non-ASCII characters escaped), for which latin1 is the
    // same text and decodes faster than utf8
    source = readFileSync(file, 'latin1')
  } catch {
    return undefined
  }
  let cachedData: Buffer | undefined
  const st = stampOf(file)
  if (!opts.ignoreCache && st && st[0] === manifest.bundle[0] && st[1] === manifest.bundle[1]) {
    try {
      cachedData = readFileSync(join(dir, CACHE_FILE))
    } catch {
      cachedData = undefined
    }
  }
  let script: Script
  const module = { exports: {} as BundleExports }
  try {
    script = new Script(
      `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
      {
        filename: file,
        ...(cachedData ? { cachedData } : {}),
      }
    )
    const fn = script.runInThisContext() as (
      exports: unknown,
      require: NodeJS.Require,
      module: unknown,
      filename: string,
      dirname: string
    ) => void
    // only the dispatcher and the command tables initialise here; commands on first use
    fn.call(module.exports, module.exports, createRequire(file), module, file, dir)
  } catch {
    return undefined // a damaged bundle: the modules will do
  }
  return {
    exports: module.exports,
    cacheUsed: cachedData !== undefined && !script.cachedDataRejected,
    createCachedData: () => script.createCachedData(),
  }
}
