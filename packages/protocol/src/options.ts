/**
 * @module options
 * The engine's own options (plain data, validated with zod). Not the `.ovpn` grammar:
 * `engineOptionsFromProfile` maps a parsed profile onto this. Defaults follow OpenVPN 2.6
 * (spec §19.3).
 */
import { z } from 'zod'
import { InvalidOptionsError } from './errors.js'

export const DEFAULT_DATA_CIPHERS = ['AES-256-GCM', 'AES-128-GCM', 'CHACHA20-POLY1305']

const RemoteSchema = z.object({
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(1194),
  proto: z.enum(['udp', 'tcp']).default('udp'),
})

const TlsWrapSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('none') }),
  z.object({
    mode: z.literal('tls-auth'),
    /** Static key file text ("OpenVPN Static key V1"). */
    key: z.string().min(1),
    direction: z.union([z.literal(0), z.literal(1)]).optional(),
  }),
  z.object({ mode: z.literal('tls-crypt'), key: z.string().min(1) }),
  z.object({
    mode: z.literal('tls-crypt-v2'),
    /** tls-crypt-v2 client key text. */
    key: z.string().min(1),
  }),
])

export const EngineOptionsSchema = z.object({
  /** Servers, tried in order. */
  remotes: z.array(RemoteSchema).min(1),
  /** `remote-random`: shuffle the remote list once at start. */
  remoteRandom: z.boolean().default(false),
  /** PEM CA certificate(s); required unless peerFingerprints pin the server. */
  ca: z.string().optional(),
  /** PEM client certificate and private key. */
  cert: z.string().optional(),
  key: z.string().optional(),
  /** Passphrase of an encrypted private key; asked for with a needs-input event when absent. */
  keyPassphrase: z.string().optional(),
  tlsWrap: TlsWrapSchema.default({ mode: 'none' }),
  /** `--auth` digest: tls-auth HMAC and CBC data HMAC. */
  auth: z.string().default('SHA1'),
  dataCiphers: z.array(z.string()).min(1).default(DEFAULT_DATA_CIPHERS),
  dataCiphersFallback: z.string().optional(),
  remoteCertTls: z.literal('server').optional(),
  remoteCertEku: z.string().optional(),
  verifyX509Name: z
    .object({
      name: z.string(),
      type: z.enum(['subject', 'name', 'name-prefix']).default('subject'),
    })
    .optional(),
  peerFingerprints: z.array(z.string()).optional(),
  tlsVersionMin: z.enum(['1.2', '1.3']).default('1.2'),
  tlsVersionMax: z.enum(['1.2', '1.3']).optional(),
  tlsCipher: z.string().optional(),
  tlsCiphersuites: z.string().optional(),
  /** `auth-user-pass`: send username/password in key method 2. */
  authUserPass: z.boolean().default(false),
  username: z.string().optional(),
  password: z.string().optional(),
  staticChallenge: z
    .object({
      text: z.string(),
      echo: z.boolean(),
      format: z.enum(['scrv1', 'concat']).default('scrv1'),
    })
    .optional(),
  /** Response to the static challenge, if known up front (tests, non-interactive). */
  staticChallengeResponse: z.string().optional(),
  authNoCache: z.boolean().default(false),
  authRetry: z.enum(['none', 'nointeract', 'interact']).default('none'),
  pushPeerInfo: z.boolean().default(false),
  /** `setenv` values forwarded as peer-info: IV_GUI_VER, IV_SSO, UV_* (spec §10.5). */
  setenv: z.record(z.string(), z.string()).default({}),
  /** MAC for IV_HWADDR (with pushPeerInfo). */
  hwaddr: z.string().optional(),
  /** 'auto' announces TLS-EKM (IV_PROTO bit 3); 'prf' forces the legacy PRF. */
  keyDerivation: z.enum(['auto', 'prf']).default('auto'),
  /** Announce and use dynamic tls-crypt for renegotiations (spec §8; needs TLS-EKM). */
  dynTlsCrypt: z.boolean().default(true),
  handWindow: z.number().positive().default(60),
  tlsTimeout: z.number().positive().default(2),
  renegSec: z.number().nonnegative().default(3600),
  renegBytes: z.number().nonnegative().optional(),
  tranWindow: z.number().positive().default(3600),
  ping: z.number().nonnegative().optional(),
  pingRestart: z.number().nonnegative().optional(),
  /** `explicit-exit-notify N` (UDP). */
  explicitExitNotify: z.number().int().nonnegative().default(0),
  /** Seconds between connection attempts (`connect-retry`), doubling after 5 failures. */
  connectRetry: z.number().nonnegative().default(1),
  connectRetryMaxDelay: z.number().nonnegative().default(300),
  /** Attempts per remote before giving up (`connect-retry-max`); undefined = forever. */
  connectRetryMax: z.number().int().positive().optional(),
  tunMtu: z.number().int().min(576).max(65535).default(1500),
  /** Configured compression framing (spec §14); a pushed setting overrides it. */
  compression: z.enum(['none', 'lzo-no', 'stub', 'stub-v2']).default('none'),
  routeNopull: z.boolean().default(false),
  pullFilters: z
    .array(z.object({ action: z.enum(['accept', 'ignore', 'reject']), text: z.string() }))
    .default([]),
})

export type EngineOptions = z.input<typeof EngineOptionsSchema>
export type ResolvedEngineOptions = z.output<typeof EngineOptionsSchema>

export function resolveEngineOptions(input: EngineOptions): ResolvedEngineOptions {
  const r = EngineOptionsSchema.safeParse(input)
  if (!r.success) {
    throw new InvalidOptionsError(
      `invalid engine options: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      { cause: r.error }
    )
  }
  const o = r.data
  if (!o.ca && !(o.peerFingerprints && o.peerFingerprints.length > 0)) {
    throw new InvalidOptionsError('a CA (ca) or peer fingerprints are required')
  }
  return o
}
