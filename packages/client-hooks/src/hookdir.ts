/**
 * Finding the hooks of one directory, run-parts style: entries whose names consist only of
 * ASCII letters, digits, `_` and `-` (so `foo.dpkg-old`, `foo~`, `.hidden` are skipped), in
 * byte order of the name. A hook is refused unless the file (after following a symlink) and
 * the directory holding it are owned by the daemon's user or root and are not writable by
 * group or others, and the file is a regular file executable by its owner.
 */
import { readdir, realpath, stat } from 'node:fs/promises'
import { dirname, join } from 'node:path'

/** run-parts' default name rule (LANANA + Debian cron names). */
export const HOOK_NAME = /^[A-Za-z0-9_-]+$/

export interface HookScan {
  /** absolute paths of the hooks to run, in order */
  runnable: string[]
  /** entries that looked like hooks but were refused, with why */
  refused: { path: string; reason: string }[]
  /** set when the directory itself cannot be used (missing, unsafe) */
  dirProblem?: string
}

/** Why `st` is unsafe for `uid`, or undefined when it is fine. */
export function ownershipProblem(
  st: { uid: number; mode: number },
  uid: number
): string | undefined {
  if (st.uid !== uid && st.uid !== 0) return `owned by uid ${st.uid} (not ${uid} or root)`
  if ((st.mode & 0o022) !== 0)
    return `writable by group or others (mode ${(st.mode & 0o7777).toString(8)})`
  return undefined
}

/** Lists the hooks of `dir` that may run as `uid`. */
export async function scanHookDir(dir: string, uid: number): Promise<HookScan> {
  let names: string[]
  try {
    const dst = await stat(dir)
    if (!dst.isDirectory()) return { runnable: [], refused: [], dirProblem: 'not a directory' }
    const problem = ownershipProblem(dst, uid)
    if (problem) return { runnable: [], refused: [], dirProblem: `directory ${problem}` }
    names = await readdir(dir)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { runnable: [], refused: [], dirProblem: code === 'ENOENT' ? 'missing' : String(err) }
  }
  names.sort((a, b) => (Buffer.from(a) < Buffer.from(b) ? -1 : a === b ? 0 : 1))
  const scan: HookScan = { runnable: [], refused: [] }
  for (const name of names) {
    if (!HOOK_NAME.test(name)) continue
    const path = join(dir, name)
    const reason = await hookProblem(path, uid)
    if (reason === 'skip') continue
    if (reason) scan.refused.push({ path, reason })
    else scan.runnable.push(path)
  }
  return scan
}

/** 'skip' for directories and the like, a reason text when refused, undefined when fine. */
async function hookProblem(path: string, uid: number): Promise<string | undefined> {
  let real: string
  try {
    real = await realpath(path)
  } catch {
    return 'dangling symlink'
  }
  const st = await stat(real)
  if (st.isDirectory()) return 'skip'
  if (!st.isFile()) return 'not a regular file'
  if ((st.mode & 0o100) === 0) return 'skip'
  const own = ownershipProblem(st, uid)
  if (own) return `file ${own}`
  if (real !== path) {
    const parent = ownershipProblem(await stat(dirname(real)), uid)
    if (parent) return `symlink target directory ${parent}`
  }
  return undefined
}
