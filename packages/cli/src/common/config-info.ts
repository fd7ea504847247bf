/**
 * A profile's properties as the CLI shows them: read with one `GetAll` (spec §1.3) and
 * checked with zod (the service is outside our process: unknown or missing values become
 * defaults, never crashes). Used by configs-list, config-manage --show and config-acl --show.
 */
import { z } from 'zod'
import type { ConfigProxy } from './configs.js'

const Info = z.object({
  name: z.string().catch(''),
  owner: z.number().catch(0),
  acl: z.array(z.number()).catch([]),
  public_access: z.boolean().catch(false),
  locked_down: z.boolean().catch(false),
  transfer_owner_session: z.boolean().catch(false),
  persistent: z.boolean().catch(false),
  readonly: z.boolean().catch(false),
  single_use: z.boolean().catch(false),
  valid: z.boolean().catch(false),
  dco: z.boolean().catch(false),
  tags: z.array(z.string()).catch([]),
  overrides: z.record(z.string(), z.unknown()).catch({}),
  import_timestamp: z.union([z.bigint(), z.number()]).transform(Number).catch(0),
  last_used_timestamp: z.union([z.bigint(), z.number()]).transform(Number).catch(0),
  used_count: z.number().catch(0),
})
export type ConfigInfo = z.infer<typeof Info> & { path: string }

export async function configInfo(cfg: ConfigProxy): Promise<ConfigInfo> {
  const all = await cfg.$getAll()
  const overrides: Record<string, unknown> = {}
  const raw = all.overrides
  if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      overrides[k] = v && typeof v === 'object' && 'value' in v ? v.value : v
    }
  }
  return { ...Info.parse({ ...all, overrides }), path: cfg.$path }
}
