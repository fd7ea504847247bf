/**
 * Record of the running sessions (a deliberate addition to upstream, which loses its
 * sessions when the session manager restarts): owner, ACL, flags, profile and backend bus
 * name of each session, written atomically to `<state dir>/sessions.json` whenever it
 * changes, read back (checked with zod) by a restarted session manager to re-attach to the
 * backends that are still running (spec dbus-api.md §4, issue 6 "A session manager restart
 * does not kill running tunnels' traffic").
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import type { SessionRecord } from './session.js'

const RecordSchema = z.object({
  path: z.string().regex(/^\/net\/openvpn\/v3\/sessions\/[0-9a-fs]{36}$/),
  owner: z.number().int().min(0),
  acl: z.array(z.number().int().min(0)),
  publicAccess: z.boolean(),
  restrictLogAccess: z.boolean(),
  created: z.string().regex(/^\d+$/),
  configPath: z.string().startsWith('/'),
  configName: z.string(),
  autoRestart: z.string().optional(),
  backend: z
    .object({
      busName: z.string().regex(/^net\.openvpn\.v3\.backends\.be\d+$/),
      sender: z.string(),
      pid: z.number().int(),
    })
    .optional(),
})
const FileSchema = z.object({ version: z.literal(1), sessions: z.array(RecordSchema) })

export class SessionStore {
  readonly file: string | undefined

  /** `dir` undefined: keep nothing (tests that do not need re-attach). */
  constructor(readonly dir: string | undefined) {
    this.file = dir === undefined ? undefined : join(dir, 'sessions.json')
  }

  load(): SessionRecord[] {
    if (!this.file) return []
    let text: string
    try {
      text = readFileSync(this.file, 'utf8')
    } catch {
      return []
    }
    try {
      const r = FileSchema.safeParse(JSON.parse(text))
      if (!r.success) return []
      return r.data.sessions.map((s) => {
        const { autoRestart, backend, ...rest } = s
        return {
          ...rest,
          ...(autoRestart !== undefined ? { autoRestart } : {}),
          ...(backend !== undefined ? { backend } : {}),
        }
      })
    } catch {
      return []
    }
  }

  save(sessions: SessionRecord[]): void {
    if (!this.file || !this.dir) return
    try {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 })
      const tmp = `${this.file}.tmp`
      writeFileSync(tmp, JSON.stringify({ version: 1, sessions }, null, 1) + '\n', { mode: 0o600 })
      renameSync(tmp, this.file)
    } catch {
      // a read-only state dir only costs re-attachment after a restart
    }
  }
}
