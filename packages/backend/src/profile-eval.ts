/**
 * Fetching and evaluating the configuration profile at registration (spec §6.2 step 5, §6.6,
 * §3.7): read `name`, `dco`, `overrides`, then `Fetch` (a single-use profile disappears now),
 * parse the text, apply the overrides the backend honours, and derive the engine options and
 * which user-input slots are needed. Evaluation failures are `ProfileEvaluationError`s whose
 * message becomes `Configuration parsing failed: <msg>`.
 */
import {
  BusName,
  type DBusConnection,
  SERVICE_VERSION,
  configurationObjectInterface,
  proxy,
} from '@openvpn3-ts/dbus'
import { type EngineOptions, engineOptionsFromProfile } from '@openvpn3-ts/protocol'
import { parseProfile, renderIssues } from '@openvpn3-ts/protocol/profile'
import { z } from 'zod'
import { ProfileEvaluationError } from './errors.js'

export type Overrides = Record<string, string | boolean>

export interface FetchedProfile {
  name: string
  dco: boolean
  overrides: Overrides
  text: string
}

export interface EvaluatedProfile {
  options: EngineOptions
  /** log level from `verb` (capped at 6) or the `log-level` override; undefined = keep */
  logLevel: number | undefined
  needsUserPass: boolean
  staticChallenge: { text: string; echo: boolean } | undefined
  keyEncrypted: boolean
  dnsDisabled: boolean
  dnsScope: 'global' | 'tunnel' | undefined
}

const EXTERNAL_PKI =
  'Failed to parse configuration: Configuration requires external PKI which is not implemented yet.'

const variantSchema = z.object({ signature: z.string(), value: z.unknown() })

/** Reads the profile from the configuration manager as the backend does (trace order). */
export async function fetchProfile(
  conn: DBusConnection,
  configPath: string
): Promise<FetchedProfile> {
  const cfg = proxy(conn, BusName.configuration, configPath, configurationObjectInterface)
  // the three reads go out together; Fetch only after them (a single-use profile is removed)
  const [name, dco, rawOverrides] = await Promise.all([
    cfg.$get('name'),
    cfg.$get('dco'),
    cfg.$get('overrides'),
  ])
  const overrides: Overrides = {}
  for (const [k, v] of Object.entries(rawOverrides)) {
    const r = variantSchema.safeParse(v)
    if (r.success && (typeof r.data.value === 'string' || typeof r.data.value === 'boolean')) {
      overrides[k] = r.data.value
    }
  }
  const text = await cfg.Fetch()
  return { name, dco, overrides, text }
}

const str = (o: Overrides, k: string): string | undefined =>
  typeof o[k] === 'string' ? o[k] : undefined
const bool = (o: Overrides, k: string): boolean => o[k] === true

/** Parses and maps a profile; throws ProfileEvaluationError with the reason. */
export function evaluateProfile(text: string, overrides: Overrides = {}): EvaluatedProfile {
  const parsed = parseProfile(text)
  if (!parsed.ok) {
    // a certificate without a key means external PKI: refused with upstream's text
    const externalPki = parsed.issues.some(
      (i) => i.code === 'missing_required' && i.directive === 'key'
    )
    if (externalPki) throw new ProfileEvaluationError(EXTERNAL_PKI)
    throw new ProfileEvaluationError(renderIssues(parsed.issues).trim().replaceAll('\n', '; '))
  }
  const profile = parsed.profile
  if (profile.cert && !profile.key) throw new ProfileEvaluationError(EXTERNAL_PKI)
  let options: EngineOptions
  try {
    options = engineOptionsFromProfile(profile)
  } catch (cause) {
    throw new ProfileEvaluationError(cause instanceof Error ? cause.message : String(cause), {
      cause,
    })
  }
  const server = str(overrides, 'server-override')
  const port = str(overrides, 'port-override')
  const proto = str(overrides, 'proto-override')
  options = {
    ...options,
    remotes: options.remotes.map((r) => ({
      ...r,
      ...(server ? { host: server } : {}),
      ...(port && /^\d+$/.test(port) ? { port: Number(port) } : {}),
      ...(proto === 'tcp' || proto === 'udp' ? { proto } : {}),
    })),
    // like the OpenVPN 3 core, always tell a UDP server when we leave (spec §6.3 Disconnect)
    explicitExitNotify: Math.max(options.explicitExitNotify ?? 0, 1),
    setenv: {
      ...options.setenv,
      IV_GUI_VER: `OpenVPN3/Linux/${SERVICE_VERSION}`,
      IV_SSO: 'openurl,webauth,crtext',
    },
  }
  const levelOverride = str(overrides, 'log-level')
  const hasVerb = profile.options.some((o) => o.name === 'verb')
  const logLevel =
    levelOverride && /^[0-6]$/.test(levelOverride)
      ? Number(levelOverride)
      : hasVerb
        ? Math.min(profile.verb, 6)
        : undefined
  const scope = str(overrides, 'dns-scope')
  const up = profile.userPass
  return {
    options,
    logLevel,
    needsUserPass: up.mode === 'prompt' || (up.mode === 'inline' && up.password === null),
    staticChallenge: profile.staticChallenge
      ? { text: profile.staticChallenge.text, echo: profile.staticChallenge.echo }
      : undefined,
    keyEncrypted: profile.key?.encrypted ?? false,
    dnsDisabled: bool(overrides, 'dns-setup-disabled'),
    dnsScope: scope === 'global' || scope === 'tunnel' ? scope : undefined,
  }
}
