/**
 * Builds the single-file CLI bundle (issue 6: `openvpn3` start-up time): esbuild bundles
 * `entry.ts` (the dispatcher and both command tables, every command, @openvpn3-ts/dbus,
 * dbus-next, zod) from the TypeScript sources into `dist/bundle/cli.cjs`. The native `usocket`
 * addon is left out (see `noUsocket`). `cli.json` records the size and mtime of every
 * workspace source it was made from (and of each bundled package's package.json) so the
 * launcher never runs a stale bundle; `cli.cjs.cache` is the V8 code cache taken after a
 * warm-up run (every command module loaded, every `--help` rendered). See load.ts. Beside
 * them go `start.cjs` and `openvpn3.cjs` / `openvpn3-admin.cjs`, the CommonJS starts that the
 * launchers in `bin/` run (start.ts).
 * Run by `npm run build` (root) after `tsc -b`:
 *   node --conditions=source --import tsx packages/cli/src/bundle/build.ts [OUT-DIR]
 */
import { readFile, rename, stat, writeFile, mkdir } from 'node:fs/promises'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build, type Plugin } from 'esbuild'
import type { Output } from '../framework/output.js'
import {
  BUNDLE_FILE,
  CACHE_FILE,
  MANIFEST_FILE,
  loadBundle,
  type BundleManifest,
  type InputStamp,
} from './load.js'

const HERE = dirname(fileURLToPath(import.meta.url))
/** the CommonJS start (start.ts) and the programs that use it */
export const START_FILE = 'start.cjs'
export const PROGRAMS = ['openvpn3', 'openvpn3-admin'] as const
/** packages/cli */
const PKG_DIR = resolve(HERE, '../..')
/** the repository root (all recorded inputs are below it) */
const ROOT = resolve(PKG_DIR, '../..')
export const DEFAULT_OUT_DIR = join(PKG_DIR, 'dist/bundle')

/** The bundle could not be made (esbuild errors or warnings, failed warm-up). */
export class BundleBuildError extends Error {
  override readonly name = 'BundleBuildError'
}

/**
 * dbus/src/dbusnext.ts loads dbus-next through `createRequire(import.meta.url)`, which a
 * bundler cannot follow; in the bundle the plain (bundled) `require` does the same job.
 */
const bundledRequire: Plugin = {
  name: 'bundled-require',
  setup(b) {
    b.onLoad({ filter: /[\\/]dbus[\\/]src[\\/]dbusnext\.ts$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8')
      const re = /^const require = createRequire\(import\.meta\.url\);?$/m
      if (!re.test(text)) {
        throw new BundleBuildError(`${args.path}: the createRequire line to replace is gone`)
      }
      return { contents: text.replace(re, ''), loader: 'ts' }
    })
  },
}

/** A plugin that gives dbus-next's `require(module)` the code in `lines` instead. */
function replaceForDbusNext(module: string, lines: readonly string[]): Plugin {
  const namespace = `dbus-next-${module}`
  const filter = new RegExp(`^${module}$`)
  return {
    name: namespace,
    setup(b) {
      b.onResolve({ filter }, (args) =>
        /[\\/]dbus-next[\\/]/.test(args.importer) ? { path: module, namespace } : undefined
      )
      b.onLoad({ filter: /.*/, namespace }, () => ({ loader: 'js', contents: lines.join('\n') }))
    },
  }
}

/**
 * The CLI never passes unix fds, so the bundle does without the native usocket addon, whose
 * loading (`bindings` probing for the .node file) costs about 20 ms per start: for
 * `unix:path=` addresses dbus-next then connects with a plain `net` socket, as it does when
 * usocket is not installed. Only `unix:abstract=` addresses, which dbus-next opens through
 * usocket alone, load the real addon (from node_modules, at run time).
 */
const noUsocket = replaceForDbusNext('usocket', [
  'exports.USocket = function USocket(opts) {',
  "  if (opts && typeof opts.path === 'string' && opts.path.startsWith('\\0'))",
  "    return new (require('usocket/index.js').USocket)(opts)",
  "  throw new Error('usocket is not used by the openvpn3 CLI')",
  '}',
])

/**
 * dbus-next's handshake loads node:crypto for the DBUS_COOKIE_SHA1 mechanism, which the CLI
 * does not use on the system bus (EXTERNAL): in the bundle it loads on first use instead of at
 * every start (~15 ms on the development machine).
 */
const lazyCrypto = replaceForDbusNext('crypto', [
  'let real',
  'module.exports = new Proxy({}, {',
  "  get: (_t, key) => (real ??= require('node:crypto'))[key],",
  '})',
])

const silent: Output = {
  line: () => undefined,
  error: () => undefined,
  json: () => undefined,
  fields: () => undefined,
  separator: () => undefined,
}

async function stampOf(root: string, path: string): Promise<InputStamp> {
  const st = await stat(join(root, path))
  return [path, st.size, st.mtimeMs]
}

export interface BuildResult {
  dir: string
  bundleBytes: number
  cacheBytes: number
  inputs: number
}

export async function buildBundle(
  outDir = DEFAULT_OUT_DIR,
  opts: { minify?: boolean } = {}
): Promise<BuildResult> {
  const dir = resolve(outDir)
  await mkdir(dir, { recursive: true })
  const file = join(dir, BUNDLE_FILE)
  const tmp = `${file}.${process.pid}.tmp`
  const r = await build({
    entryPoints: [join(PKG_DIR, 'src/bundle/entry.ts')],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['source'],
    external: ['usocket', 'x11'],
    plugins: [bundledRequire, noUsocket, lazyCrypto],
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    charset: 'ascii', // load.ts reads the bundle as latin1
    minify: opts.minify ?? false,
  })
  if (r.warnings.length > 0) {
    throw new BundleBuildError(
      `esbuild warnings: ${r.warnings.map((w) => `${w.location?.file ?? ''}: ${w.text}`).join('; ')}`
    )
  }
  // esbuild escapes non-ASCII characters in code, not in the comments it keeps; escaped there
  // too, the file is plain ASCII, which load.ts reads as latin1 (faster than decoding utf8)
  const text = (await readFile(tmp, 'utf8')).replace(
    /[^\p{ASCII}]/gu,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`
  )
  await writeFile(tmp, text)
  // a real import() would need a module loader the vm.Script in load.ts does not have
  if (/\bimport\(/.test(text.replace(/\/\/.*$/gm, ''))) {
    throw new BundleBuildError('the bundle still contains a dynamic import()')
  }
  await rename(tmp, file)

  // inputs: workspace files themselves; bundled packages by their package.json
  const paths = new Set<string>()
  for (const input of Object.keys(r.metafile.inputs)) {
    if (/^[a-z-]+:/.test(input)) continue // made up by a plugin (replaceForDbusNext)
    const abs = resolve(process.cwd(), input)
    const nm = /^(.*[\\/]node_modules[\\/](?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(abs)
    paths.add(relative(ROOT, nm ? join(nm[1] ?? '', 'package.json') : abs))
  }
  const inputs = await Promise.all([...paths].sort().map((p) => stampOf(ROOT, p)))
  const st = await stat(file)
  const manifest: BundleManifest = {
    root: relative(dir, ROOT) || '.',
    inputs,
    bundle: [st.size, st.mtimeMs],
  }
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(manifest) + '\n')

  // warm-up: compile what a command run needs, then keep V8's code for it
  const loaded = loadBundle(dir, { ignoreCache: true })
  if (!loaded) throw new BundleBuildError(`the new bundle in ${dir} does not load`)
  const { run, openvpn3Commands, adminCommands } = loaded.exports
  for (const [program, table] of [
    ['openvpn3', openvpn3Commands],
    ['openvpn3-admin', adminCommands],
  ] as const) {
    await run(program, table, ['help'], { out: silent })
    for (const c of table) {
      const code = await run(program, table, [c.name, '--help'], { out: silent })
      if (code !== 0) throw new BundleBuildError(`${program} ${c.name} --help failed in the bundle`)
    }
  }
  const cache = loaded.createCachedData()
  await writeFile(`${join(dir, CACHE_FILE)}.tmp`, cache)
  await rename(`${join(dir, CACHE_FILE)}.tmp`, join(dir, CACHE_FILE))
  await buildStarters(dir)
  return { dir, bundleBytes: st.size, cacheBytes: cache.length, inputs: inputs.length }
}

/**
 * `start.cjs` (start.ts with load.ts, as CommonJS) and one `<program>.cjs` per program, which
 * the shell launchers in `bin/` run (see start.ts).
 */
async function buildStarters(dir: string): Promise<void> {
  const r = await build({
    entryPoints: [join(PKG_DIR, 'src/bundle/start.ts')],
    outfile: join(dir, START_FILE),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    conditions: ['source'],
    logLevel: 'silent',
    legalComments: 'none',
  })
  if (r.warnings.length > 0) {
    throw new BundleBuildError(`esbuild warnings: ${r.warnings.map((w) => w.text).join('; ')}`)
  }
  for (const program of PROGRAMS) {
    const text = [
      "'use strict'",
      `// ${program}: run by bin/${program}; see packages/cli/src/bundle/start.ts`,
      `require('./${START_FILE}')`,
      `  .start('${program}', process.argv.slice(2), __dirname)`,
      '  .then((code) => {',
      '    process.exitCode = code',
      '  })',
      '',
    ].join('\n')
    await writeFile(join(dir, `${program}.cjs`), text)
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const res = await buildBundle(process.argv[2])
  process.stdout.write(
    `cli bundle: ${relative(process.cwd(), join(res.dir, BUNDLE_FILE))} ` +
      `(${Math.round(res.bundleBytes / 1024)} KiB, code cache ${Math.round(res.cacheBytes / 1024)} KiB, ${res.inputs} inputs)\n`
  )
}
