/**
 * Builds the client identity a check sees from an OpenVPN ENV block or script environment
 * (spec 2.4: username, common_name, untrusted_ip/untrusted_ip6/untrusted_port, IV_*, UV_*).
 */
import type { ClientIdentity } from './chain/types.js'

export function identityFromEnv(
  env: Record<string, string | undefined>,
  opts: { cid?: number; kid?: number; realmSeparator?: string | undefined } = {}
): ClientIdentity {
  const raw = env.username ?? ''
  let username = raw
  let realm = ''
  if (opts.realmSeparator) {
    const i = raw.lastIndexOf(opts.realmSeparator)
    if (i > 0) {
      username = raw.slice(0, i)
      realm = raw.slice(i + 1)
    }
  }
  const peerInfo: Record<string, string> = {}
  const clean: Record<string, string> = {}
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined || /^password/i.test(k)) continue
    clean[k] = v
    if (k.startsWith('IV_') || k.startsWith('UV_')) peerInfo[k] = v
  }
  const id: ClientIdentity = {
    username,
    realm,
    commonName: env.common_name ?? env.X509_0_CN ?? '',
    sourceIp: env.untrusted_ip ?? env.untrusted_ip6 ?? env.trusted_ip ?? env.trusted_ip6 ?? '',
    sourcePort: Number(env.untrusted_port ?? env.trusted_port ?? 0) || 0,
    sso: (env.IV_SSO ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ivProto: Number(env.IV_PROTO ?? 0) || 0,
    peerInfo,
    env: clean,
  }
  if (opts.cid !== undefined) id.cid = opts.cid
  if (opts.kid !== undefined) id.kid = opts.kid
  return id
}
