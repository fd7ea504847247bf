/**
 * Secret scrubbing for every log line (issue 7: "secrets never logged"). Two layers:
 *
 * 1. Pattern rules that need no help from the caller: PEM private keys and OpenVPN static
 *    keys, inline key blocks of a profile (`<key>`, `<tls-crypt>`, …), CRV1/SCRV1 challenge
 *    responses (OpenVPN management-interface challenge/response protocol), `auth-token`
 *    push options, `password=`/`"password":` style fields, HTTP `Basic`/`Bearer`
 *    credentials and long hex/base64 runs (key material).
 * 2. A per-logger set of known secret values (`SecretScrubber.add`): whatever a service
 *    received as a password, a challenge response or an auth-token is replaced wherever it
 *    shows up, also in its base64 and URL-encoded forms, even without a label.
 *
 * Scrubbing errs on the side of removing too much. Spec §2.11 removes control characters
 * from messages; that happens in format.ts, before scrubbing.
 */

/** What a removed secret is replaced with. */
export const REDACTED = '[redacted]'

/** Shortest registered secret that is replaced verbatim (shorter ones would mangle text). */
export const MIN_SECRET_LENGTH = 3
/** Registered secrets kept per scrubber (oldest dropped first). */
export const MAX_SECRETS = 256

interface Rule {
  re: RegExp
  replace: (match: string, ...groups: string[]) => string
}

// Field names whose value is a secret when written `name=value`, `name: value` or JSON.
const SECRET_FIELD =
  '(?:password|passwd|passphrase|pass|secret|auth[-_ ]?token(?:[-_ ]?user)?|token|challenge[-_ ]?response|response|private[-_ ]?key|key[-_ ]?material|otp|pin|credentials?)'
// A value: quoted, or up to whitespace, comma, semicolon or closing bracket.
const VALUE = `(?:"(?:[^"\\\\]|\\\\.)*"|'[^']*'|[^\\s,;)\\]}]+)`

const RULES: readonly Rule[] = [
  // PEM blocks whose label says KEY (private keys, OpenVPN static / tls-crypt-v2 keys);
  // a block without its END line is removed to the end of the text.
  {
    re: /-----BEGIN ([A-Za-z0-9 -]*?(?:KEY|[Kk]ey)[A-Za-z0-9 -]*?)-----[\s\S]*?(?:-----END \1-----|$)/g,
    replace: (_m, label) => `-----BEGIN ${label}----- ${REDACTED} -----END ${label}-----`,
  },
  // inline secret blocks of an .ovpn profile
  {
    re: /<(key|secret|tls-auth|tls-crypt|tls-crypt-v2|auth-user-pass|pkcs12|http-proxy-user-pass)>[\s\S]*?(?:<\/\1>|$)/gi,
    replace: (_m, tag) => `<${tag}>${REDACTED}</${tag}>`,
  },
  // static-challenge response (SCRV1:b64(password):b64(response)): everything after it
  { re: /\bSCRV1:.*/g, replace: () => `SCRV1:${REDACTED}` },
  // dynamic challenge response (CRV1::state_id::response): everything after it
  { re: /\bCRV1::.*/g, replace: () => `CRV1::${REDACTED}` },
  // dynamic challenge (CRV1:flags:state_id:b64 username:text): state and user name
  {
    re: /\bCRV1:([^:\s]*):[^:]*:[^:]*:/g,
    replace: (_m, flags) => `CRV1:${flags}:${REDACTED}:${REDACTED}:`,
  },
  // auth-token / auth-token-user push options and `password xyz` in option lists
  {
    re: /\b(auth-token(?:-user)?|password|passphrase)(\s+)([^\s,;]+)/gi,
    replace: (_m, k, sp) => `${k}${sp}${REDACTED}`,
  },
  // name=value, name: value, "name": "value"
  {
    re: new RegExp(`(\\b${SECRET_FIELD}["']?\\s*[:=]\\s*)${VALUE}`, 'gi'),
    replace: (_m, k) => `${k}${REDACTED}`,
  },
  // HTTP credentials
  {
    re: /\b(Basic|Bearer)\s+[A-Za-z0-9+/=._~-]{6,}/g,
    replace: (_m, scheme) => `${scheme} ${REDACTED}`,
  },
  // key material: long hex runs
  { re: /\b[0-9A-Fa-f]{32,}\b/g, replace: () => REDACTED },
  // key material / tokens: long base64 runs with mixed character classes, not inside a path
  // or a file name (a run right after '/', '.', '-' or a word character is left alone)
  {
    re: /(?<![/\w+.-])[A-Za-z0-9+/]{40,}={0,2}/g,
    replace: (m) => (/[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m) ? REDACTED : m),
  },
]

/** Apply the pattern rules (no registered secrets) to one text. */
export function scrubSecrets(text: string): string {
  let out = text
  for (const rule of RULES) {
    rule.re.lastIndex = 0
    out = out.replace(rule.re, rule.replace as (m: string, ...g: unknown[]) => string)
  }
  return out
}

/** Known secret values plus the pattern rules. One per logger (shared by its children). */
export class SecretScrubber {
  /** secret text → its variants (verbatim, base64, URL-encoded) */
  readonly #secrets = new Map<string, string[]>()

  /** Number of registered secrets. */
  get size(): number {
    return this.#secrets.size
  }

  /**
   * Register a value that must never appear in a log line (a password, a challenge
   * response, an auth-token, key text). Values shorter than MIN_SECRET_LENGTH are ignored.
   */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_LENGTH || this.#secrets.has(secret)) return
    const variants = new Set([secret, Buffer.from(secret).toString('base64')])
    const b64 = Buffer.from(secret).toString('base64')
    variants.add(b64.replace(/=+$/, ''))
    variants.add(encodeURIComponent(secret))
    // newlines/control characters are turned into spaces by format.ts before scrubbing
    // eslint-disable-next-line no-control-regex
    variants.add(secret.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim())
    this.#secrets.set(
      secret,
      [...variants].filter((v) => v.length >= MIN_SECRET_LENGTH).sort((a, b) => b.length - a.length)
    )
    if (this.#secrets.size > MAX_SECRETS) {
      const oldest = this.#secrets.keys().next().value
      if (oldest !== undefined) this.#secrets.delete(oldest)
    }
  }

  /** Forget a registered value (e.g. the auth-token was replaced). */
  delete(secret: string): void {
    this.#secrets.delete(secret)
  }

  /** Registered values first (longest first), then the pattern rules. */
  scrub(text: string): string {
    let out = text
    for (const variants of this.#secrets.values()) {
      for (const v of variants) if (out.includes(v)) out = out.split(v).join(REDACTED)
    }
    return scrubSecrets(out)
  }
}
