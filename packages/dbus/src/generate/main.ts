/**
 * Generator entry (`npm run gen`, `npm run gen:check`): writes dbus-policy/*.conf,
 * dbus-policy/activation/*.service and docs/dbus/*.md from the declarations. With
 * `--check` it writes nothing and exits 1 listing every file that is missing, changed or
 * extra compared with what it would generate (style rule 1: CI fails on drift).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { services } from '../api/index.js'
import { activationFile } from './activation.js'
import { indexPage, servicePage } from './docs.js'
import { commonPolicyFile, policyFile } from './policy.js'

/** Directories we own and the file suffix we generate in each. */
export const OUTPUT_DIRS = [
  { dir: 'dbus-policy', suffix: '.conf' },
  { dir: 'dbus-policy/activation', suffix: '.service' },
  { dir: 'docs/dbus', suffix: '.md' },
] as const

/** Every generated file: repo-relative path → content. */
export function generateAll(): Map<string, string> {
  const out = new Map<string, string>()
  out.set('dbus-policy/net.openvpn.v3.conf', commonPolicyFile())
  for (const svc of services) {
    out.set(`dbus-policy/${svc.id}.conf`, policyFile(svc))
    const act = activationFile(svc)
    if (act) out.set(`dbus-policy/activation/${svc.busName}.service`, act)
    out.set(`docs/dbus/${svc.id}.md`, servicePage(svc))
  }
  out.set('docs/dbus/index.md', indexPage(services))
  return out
}

export interface Drift {
  missing: string[]
  changed: string[]
  extra: string[]
}

/** Compare generated files with the tree under `root`. */
export function checkDrift(root: string, files = generateAll()): Drift {
  const drift: Drift = { missing: [], changed: [], extra: [] }
  for (const [rel, content] of files) {
    const abs = join(root, rel)
    if (!existsSync(abs)) drift.missing.push(rel)
    else if (readFileSync(abs, 'utf8') !== content) drift.changed.push(rel)
  }
  for (const { dir, suffix } of OUTPUT_DIRS) {
    const abs = join(root, dir)
    if (!existsSync(abs)) continue
    for (const name of readdirSync(abs)) {
      const rel = `${dir}/${name}`
      if (name.endsWith(suffix) && !files.has(rel)) drift.extra.push(rel)
    }
  }
  return drift
}

/** Write all files under `root`, removing extra generated-looking files. */
export function writeAll(root: string, files = generateAll()): string[] {
  const written: string[] = []
  for (const rel of checkDrift(root, files).extra) rmSync(join(root, rel))
  for (const [rel, content] of files) {
    const abs = join(root, rel)
    mkdirSync(dirname(abs), { recursive: true })
    if (!existsSync(abs) || readFileSync(abs, 'utf8') !== content) {
      writeFileSync(abs, content)
      written.push(rel)
    }
  }
  return written
}

function main(): number {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..')
  if (process.argv.includes('--check')) {
    const d = checkDrift(root)
    const problems = [
      ...d.missing.map((f) => `missing: ${f}`),
      ...d.changed.map((f) => `changed: ${f}`),
      ...d.extra.map((f) => `extra:   ${f}`),
    ]
    if (problems.length > 0) {
      process.stderr.write(
        `gen:check: ${problems.length} generated file(s) differ from the declarations (run npm run gen):\n` +
          problems.map((p) => `  ${p}\n`).join('')
      )
      return 1
    }
    process.stdout.write(`gen:check: ${generateAll().size} generated files are up to date\n`)
    return 0
  }
  const written = writeAll(root)
  process.stdout.write(
    written.length > 0
      ? `gen: wrote ${written.map((f) => relative('.', join(root, f))).join(', ')}\n`
      : 'gen: everything up to date\n'
  )
  return 0
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = main()
}
