/**
 * Persistent profiles on disk (spec dbus-api.md §3.8): one JSON file per profile named
 * `<uuid with x>.json` in the state directory, in upstream's member layout, so a state
 * directory can move between upstream and us.
 *
 * Writes are atomic: the JSON goes to a temporary file in the same directory (a name the
 * loader never picks up), is fsynced, renamed over the target and the directory fsynced. A
 * crash at any point leaves either the old file, the new file, or no file — never half of one.
 * Files are created 0600 in a 0700 directory. Loading validates every file with zod; a corrupt
 * or foreign file is reported and skipped, and the other profiles still load.
 */
import {
  closeSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { isConfigurationPath } from '@openvpn3-ts/dbus'
import { optionListToJson, profileFromJson } from '@openvpn3-ts/protocol/profile'
import { overrideSpec, type OverrideValue } from './overrides.js'
import type { ConfigState } from './state.js'
import { ProfileRefusedError, checkProfile, validity } from './profile.js'

/** Largest profile file we read (a profile is ≤ 256 KiB of text; JSON adds escaping). */
const MAX_FILE_BYTES = 4 * 1024 * 1024
const TMP_SUFFIX = '.tmp'

export class StoreError extends Error {
  override readonly name = 'StoreError'
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
  }
}

const Uint = z.number().int().nonnegative().max(0xffffffff)
const Timestamp = z.union([z.number().int().nonnegative(), z.string().regex(/^\d{1,20}$/)])

const FileSchema = z.object({
  object_path: z.string().refine(isConfigurationPath, 'not a configuration object path'),
  owner: Uint,
  name: z.string().max(4096),
  tags: z.array(z.string().max(128)).max(4096).optional(),
  import_timestamp: Timestamp.optional(),
  last_used_timestamp: Timestamp.optional(),
  locked_down: z.boolean().optional(),
  transfer_owner_session: z.boolean().optional(),
  readonly: z.boolean().optional(),
  single_use: z.boolean().optional(),
  used_count: Uint.optional(),
  valid: z.boolean().optional(),
  profile: z.record(z.string(), z.unknown()),
  dco: z.boolean().optional(),
  public_access: z.boolean().optional(),
  acl: z.array(Uint).max(65536).optional(),
  overrides: z.record(z.string(), z.union([z.string(), z.boolean()])).optional(),
})

export interface LoadProblem {
  file: string
  reason: string
}

export interface LoadResult {
  configs: ConfigState[]
  problems: LoadProblem[]
  /** unknown override keys that were dropped, per file */
  skippedOverrides: LoadProblem[]
}

/** The state directory of persistent profiles. */
export class ProfileStore {
  constructor(readonly dir: string) {}

  /** Create the directory (0700) if needed. */
  ensureDir(): void {
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 })
    } catch (cause) {
      throw new StoreError(`cannot create state directory ${this.dir}`, { cause })
    }
  }

  fileFor(path: string): string {
    return join(this.dir, `${lastElement(path)}.json`)
  }

  /** Write (or replace) the file of `s` atomically. */
  save(s: ConfigState): void {
    const target = this.fileFor(s.path)
    const tmp = `${target}.${randomBytes(4).toString('hex')}${TMP_SUFFIX}`
    const data = Buffer.from(JSON.stringify(toFile(s), null, '\t') + '\n')
    let fd: number | undefined
    try {
      fd = openSync(tmp, 'wx', 0o600)
      let off = 0
      while (off < data.length) off += writeSync(fd, data, off)
      fsyncSync(fd)
      closeSync(fd)
      fd = undefined
      renameSync(tmp, target)
      this.#syncDir()
    } catch (cause) {
      if (fd !== undefined) closeSync(fd)
      try {
        unlinkSync(tmp)
      } catch {
        // not created or already renamed
      }
      throw new StoreError(`cannot write ${target}`, { cause })
    }
  }

  /** Delete the file of `path` (no error when it is not there). */
  remove(path: string): void {
    try {
      unlinkSync(this.fileFor(path))
      this.#syncDir()
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return
      throw new StoreError(`cannot remove ${this.fileFor(path)}`, { cause })
    }
  }

  #syncDir(): void {
    const fd = openSync(this.dir, 'r')
    try {
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
  }

  /**
   * Load every `<36 chars>.json` regular file (or symlink to one); delete temporary files a
   * crash left behind. Never throws for a bad file.
   */
  load(): LoadResult {
    const out: LoadResult = { configs: [], problems: [], skippedOverrides: [] }
    let names: string[]
    try {
      names = readdirSync(this.dir).sort()
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return out
      throw new StoreError(`cannot read state directory ${this.dir}`, { cause })
    }
    const seen = new Set<string>()
    for (const name of names) {
      const file = join(this.dir, name)
      if (name.endsWith(TMP_SUFFIX) && name.includes('.json.')) {
        try {
          unlinkSync(file)
        } catch {
          // best effort
        }
        continue
      }
      if (name.length !== 41 || !name.endsWith('.json')) continue
      try {
        const l = lstatSync(file)
        if (!l.isFile() && !l.isSymbolicLink()) continue
        const st = statSync(file)
        if (!st.isFile()) continue
        if (st.size > MAX_FILE_BYTES) throw new StoreError(`file is too large (${st.size} bytes)`)
        const s = fromFile(parseJson(readFileSync(file, 'utf8')), out, name)
        if (`${lastElement(s.path)}.json` !== name)
          throw new StoreError(`object_path ${s.path} does not match the file name`)
        if (seen.has(s.path)) throw new StoreError(`duplicate object_path ${s.path}`)
        seen.add(s.path)
        out.configs.push(s)
      } catch (err) {
        out.problems.push({ file, reason: describe(err) })
      }
    }
    return out
  }
}

/** `<uuid with x>` of `/net/openvpn/v3/configuration/<uuid with x>` (spec §3.8 file name). */
const lastElement = (path: string): string => path.slice(path.lastIndexOf('/') + 1)

function describe(err: unknown): string {
  if (err instanceof z.ZodError) {
    return err.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || 'file'}: ${i.message}`)
      .join('; ')
  }
  return err instanceof Error ? err.message : String(err)
}

/**
 * JSON.parse, but its error text (which quotes the file's content) is replaced: the reason
 * ends up in the log, and a profile file's content must never be logged.
 */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new StoreError('not valid JSON')
  }
}

/** Issue codes whose message is fixed text (it quotes nothing from the profile). */
const FIXED_TEXT_CODES: ReadonlySet<string> = new Set([
  'dangerous_directive',
  'server_only',
  'unsupported',
])

/**
 * Profile issues for the log (at most five): `line 39: 'up': refused: …`. The message is kept
 * only where it is fixed text; others quote option values from the profile, and a profile's
 * content must never be logged, so they show their code instead: `line 9: 'cipher' (bad_value)`.
 */
function issueSummary(
  issues: readonly {
    code: string
    line: number | null
    directive: string | null
    message: string
  }[]
): string {
  const shown = issues
    .slice(0, 5)
    .map((i) => {
      const where = i.line === null ? '' : `line ${i.line}: `
      const what = i.directive === null ? '' : `'${i.directive.slice(0, 64)}'`
      const why = FIXED_TEXT_CODES.has(i.code) ? `: ${i.message}` : ` (${i.code})`
      return `${where}${what}${why}`.replace(/^: /, '').replace(/^ /, '')
    })
    .join('; ')
  return issues.length > 5 ? `${shown}; ${issues.length - 5} more` : shown
}

function toFile(s: ConfigState): Record<string, unknown> {
  const f: Record<string, unknown> = {
    object_path: s.path,
    owner: s.owner,
    name: s.name,
  }
  if (s.tags.length > 0) f.tags = s.tags
  Object.assign(f, {
    import_timestamp: Number(s.importTimestamp),
    last_used_timestamp: Number(s.lastUsedTimestamp),
    locked_down: s.lockedDown,
    transfer_owner_session: s.transferOwnerSession,
    readonly: s.readonly,
    single_use: s.singleUse,
    used_count: s.usedCount,
    valid: s.valid,
    profile: optionListToJson(s.options, { keepRepeated: true }),
    dco: s.dco,
    public_access: s.publicAccess,
  })
  if (s.acl.length > 0) f.acl = s.acl
  if (s.overrides.size > 0) f.overrides = Object.fromEntries(s.overrides)
  return f
}

function fromFile(raw: unknown, out: LoadResult, name: string): ConfigState {
  const f = FileSchema.parse(raw)
  const prof = profileFromJson(f.profile)
  if (!prof.ok) {
    throw new StoreError(`bad profile: ${issueSummary(prof.issues)}`)
  }
  // the same checks as Import: a planted or outdated file with scripts is not loaded
  try {
    checkProfile(prof.text)
  } catch (err) {
    if (err instanceof ProfileRefusedError) {
      throw new StoreError(`profile refused: ${issueSummary(err.issues)}`)
    }
    throw err
  }
  const overrides = new Map<string, OverrideValue>()
  for (const [k, v] of Object.entries(f.overrides ?? {})) {
    const spec = overrideSpec(k)
    if (!spec || (spec.type === 'b') !== (typeof v === 'boolean')) {
      out.skippedOverrides.push({ file: name, reason: `unknown or mistyped override '${k}'` })
      continue
    }
    overrides.set(k, v)
  }
  const v = validity(prof.options)
  return {
    path: f.object_path,
    name: f.name,
    owner: f.owner,
    acl: [...new Set(f.acl ?? [])],
    publicAccess: f.public_access ?? false,
    lockedDown: f.locked_down ?? false,
    transferOwnerSession: f.transfer_owner_session ?? false,
    persistent: true,
    readonly: f.readonly ?? false,
    singleUse: f.single_use ?? false,
    valid: v.valid,
    invalidReason: v.invalidReason,
    dco: f.dco ?? false,
    overrides,
    tags: [...new Set(f.tags ?? [])],
    importTimestamp: BigInt(f.import_timestamp ?? 0),
    lastUsedTimestamp: BigInt(f.last_used_timestamp ?? 0),
    usedCount: f.used_count ?? 0,
    options: prof.options,
  }
}
