/**
 * Directive handlers for credentials, control-channel protection, TLS and data-channel crypto:
 * `<ca>`, `<cert>`, `<key>`, `<extra-certs>`, `<crl-verify>`, `<tls-auth>`, `<tls-crypt>`,
 * `<tls-crypt-v2>`, `key-direction`, `cipher`, `data-ciphers`, `data-ciphers-fallback`, `auth`,
 * `tls-version-min/max`, `tls-cipher`, `tls-ciphersuites`, `tls-groups`, `tls-cert-profile`,
 * `remote-cert-tls`, `verify-x509-name`, `peer-fingerprint`, `remote-cert-ku/eku`
 * (spec openvpn-protocol.md §5.3, §6, §7.1, §9, §12.4, §19.2–19.3). Credentials must be inline:
 * a file reference is an issue, as in OpenVPN 3.
 */
import { lookupCipher, lookupDigest, type DataCipher } from './algorithms.js'
import type { DirectiveTable } from './directive-spec.js'
import { arity, err, warn, type Ctx, type Opt } from './draft.js'
import { quote } from './issues.js'
import type { X509Certificate } from 'node:crypto'
import { parseCertificates, parsePrivateKey, type CertificateInfo } from './pem.js'
import { parseStaticKey, parseTlsCryptV2ClientKey } from './static-key.js'

/** The inline body of a credential directive, or null after reporting why there is none. */
export function inlineBody(ctx: Ctx, o: Opt, what: string): string | null {
  if (o.inline) return o.args[0] ?? ''
  const first = o.args[0]
  if (first === undefined) {
    err(ctx, o, `needs ${what} as an inline <${o.name}> … </${o.name}> block`, 'missing_argument')
  } else if (first === '[inline]') {
    err(ctx, o, `'[inline]' given but no <${o.name}> block follows`, 'missing_argument')
  } else {
    err(
      ctx,
      o,
      `${quote(first)} refers to a file; a profile must carry ${what} inline as <${o.name}> … </${o.name}> (OpenVPN 3 does not read files)`,
      'file_reference'
    )
  }
  return null
}

function checkValidity(ctx: Ctx, o: Opt, certs: readonly CertificateInfo[]): void {
  for (const c of certs) {
    if (c.validTo.getTime() < ctx.now.getTime()) {
      warn(
        ctx,
        o,
        `certificate ${quote(c.subject.replace(/\n/g, ', '))} expired on ${c.validTo.toISOString()}`,
        'certificate_expired'
      )
    } else if (c.validFrom.getTime() > ctx.now.getTime()) {
      warn(
        ctx,
        o,
        `certificate ${quote(c.subject.replace(/\n/g, ', '))} is not valid before ${c.validFrom.toISOString()}`,
        'certificate_expired'
      )
    }
  }
}

function certificates(
  ctx: Ctx,
  o: Opt,
  what: string
): { certs: CertificateInfo[]; x509: X509Certificate[] } | null {
  const body = inlineBody(ctx, o, what)
  if (body === null) return null
  const r = parseCertificates(body)
  if (!r.ok) {
    err(
      ctx,
      o,
      r.message,
      r.message.startsWith('no PEM') || r.message.startsWith('PEM')
        ? 'invalid_pem'
        : 'invalid_certificate'
    )
    return null
  }
  checkValidity(ctx, o, r.certificates)
  return { certs: r.certificates, x509: r.x509 }
}

function cipherArg(ctx: Ctx, o: Opt, text: string): DataCipher | null {
  const c = lookupCipher(text)
  switch (c.kind) {
    case 'supported':
      return c.name
    case 'unsupported':
      err(
        ctx,
        o,
        `cipher ${quote(text)} is not supported by this client (use AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305 or AES-*-CBC)`,
        'unsupported'
      )
      return null
    case 'unknown':
      err(ctx, o, `unknown cipher ${quote(text)}`)
      return null
  }
}

const TLS_VERSIONS = ['1.0', '1.1', '1.2', '1.3'] as const
type TlsVersion = (typeof TLS_VERSIONS)[number]

function tlsVersion(ctx: Ctx, o: Opt, text: string): TlsVersion | null {
  const v = TLS_VERSIONS.find((t) => t === text)
  if (v === undefined) err(ctx, o, `${quote(text)} is not a TLS version (1.0, 1.1, 1.2, 1.3)`)
  return v ?? null
}

const FINGERPRINT = /^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/

function tlsWrapKey(ctx: Ctx, o: Opt): { key: Buffer; text: string; line: number } | null {
  const body = inlineBody(ctx, o, 'the static key')
  if (body === null) return null
  const r = parseStaticKey(body)
  if (!r.ok) {
    err(ctx, o, r.message, 'invalid_static_key')
    return null
  }
  return { key: r.key, text: body, line: o.line }
}

function dataCiphersList(ctx: Ctx, o: Opt): void {
  if (!arity(ctx, o, 1, 1)) return
  const out: DataCipher[] = []
  for (const entry of (o.args[0] as string).split(':')) {
    if (entry === '') continue
    const optional = entry.startsWith('?')
    const name = optional ? entry.slice(1) : entry
    const c = lookupCipher(name)
    if (c.kind === 'supported') {
      if (!out.includes(c.name)) out.push(c.name)
    } else if (optional) {
      warn(
        ctx,
        o,
        `optional cipher ${quote(name)} is ${c.kind === 'unknown' ? 'unknown' : 'not supported'}; skipped`
      )
    } else if (c.kind === 'unknown') {
      err(ctx, o, `unknown cipher ${quote(name)}`)
    } else {
      err(
        ctx,
        o,
        `cipher ${quote(name)} is not supported by this client (mark it optional as '?${name}' to skip it)`,
        'unsupported'
      )
    }
  }
  if (out.length === 0) err(ctx, o, 'no usable cipher in the list')
  else ctx.d.dataCiphers = out
}

export const cryptoDirectives: DirectiveTable = {
  ca: {
    inline: true,
    repeatable: true,
    handle(ctx, o) {
      ctx.d.caSeen = true
      const r = certificates(ctx, o, 'the CA certificates')
      if (r !== null) ctx.d.ca.push(...r.certs)
    },
  },
  cert: {
    inline: true,
    handle(ctx, o) {
      ctx.d.certSeen = true
      const r = certificates(ctx, o, 'the client certificate')
      if (r === null) return
      const [leaf, ...chain] = r.certs
      ctx.d.cert = leaf ?? null
      ctx.d.certX509 = r.x509[0] ?? null
      ctx.d.extraCerts.push(...chain)
    },
  },
  'extra-certs': {
    inline: true,
    repeatable: true,
    handle(ctx, o) {
      const r = certificates(ctx, o, 'the extra certificates')
      if (r !== null) ctx.d.extraCerts.push(...r.certs)
    },
  },
  key: {
    inline: true,
    handle(ctx, o) {
      ctx.d.keySeen = true
      const body = inlineBody(ctx, o, 'the private key')
      if (body === null) return
      const r = parsePrivateKey(body)
      if (!r.ok) {
        err(
          ctx,
          o,
          r.message,
          r.message.startsWith('no PEM') || r.message.startsWith('PEM')
            ? 'invalid_pem'
            : 'invalid_private_key'
        )
        return
      }
      if (r.key.encrypted) {
        warn(
          ctx,
          o,
          'the private key is encrypted: a passphrase will be asked for when connecting',
          'encrypted_private_key'
        )
      }
      ctx.d.key = r.key
      ctx.d.keyObject = r.keyObject
    },
  },
  'crl-verify': {
    inline: true,
    handle(ctx, o) {
      const body = inlineBody(ctx, o, 'the CRL')
      if (body === null) return
      if (!body.includes('-----BEGIN X509 CRL-----')) {
        err(ctx, o, 'no PEM CRL (-----BEGIN X509 CRL-----) found', 'invalid_pem')
        return
      }
      ctx.d.crl = body
    },
  },
  'tls-auth': {
    connection: true,
    inline: true,
    handle(ctx, o) {
      const key = tlsWrapKey(ctx, o)
      if (key !== null) ctx.conn.wrap.tlsAuth = key
    },
  },
  'tls-crypt': {
    connection: true,
    inline: true,
    handle(ctx, o) {
      const key = tlsWrapKey(ctx, o)
      if (key !== null) ctx.conn.wrap.tlsCrypt = key
    },
  },
  'tls-crypt-v2': {
    connection: true,
    inline: true,
    handle(ctx, o) {
      const body = inlineBody(ctx, o, 'the tls-crypt-v2 client key')
      if (body === null) return
      const r = parseTlsCryptV2ClientKey(body)
      if (!r.ok) err(ctx, o, r.message, 'invalid_tls_crypt_v2_key')
      else ctx.conn.wrap.tlsCryptV2 = { ...r.value, text: body, line: o.line }
    },
  },
  'key-direction': {
    connection: true,
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = o.args[0]
      if (v === '0' || v === '1') ctx.conn.wrap.keyDirection = v === '0' ? 0 : 1
      else err(ctx, o, `${quote(v ?? '')}: key-direction must be 0 or 1`)
    },
  },
  cipher: {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const c = cipherArg(ctx, o, o.args[0] as string)
      if (c !== null) ctx.d.cipher = c
    },
  },
  'data-ciphers': { handle: dataCiphersList },
  'ncp-ciphers': {
    handle(ctx, o) {
      warn(ctx, o, "'ncp-ciphers' is the old name of 'data-ciphers'", 'deprecated')
      dataCiphersList(ctx, o)
    },
  },
  'data-ciphers-fallback': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const c = cipherArg(ctx, o, o.args[0] as string)
      if (c !== null) ctx.d.dataCiphersFallback = c
    },
  },
  auth: {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const dg = lookupDigest(o.args[0] as string)
      if (dg === null) err(ctx, o, `unknown digest ${quote(o.args[0] as string)}`)
      else {
        ctx.d.auth = dg
        ctx.d.authLine = o.line
      }
    },
  },
  'tls-version-min': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 2)) return
      const v = tlsVersion(ctx, o, o.args[0] as string)
      const extra = o.args[1]
      if (extra !== undefined && extra !== 'or-highest') {
        err(ctx, o, `${quote(extra)}: the only second argument is 'or-highest'`)
        return
      }
      if (v === null) return
      ctx.d.tls.versionMin = v
      ctx.d.tls.versionMinOrHighest = extra === 'or-highest'
      if (v === '1.0' || v === '1.1')
        warn(ctx, o, `TLS ${v} is obsolete; Node's OpenSSL may refuse it`, 'deprecated')
    },
  },
  'tls-version-max': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = tlsVersion(ctx, o, o.args[0] as string)
      if (v !== null) ctx.d.tls.versionMax = v
    },
  },
  'tls-cipher': {
    handle(ctx, o) {
      if (arity(ctx, o, 1, 1)) ctx.d.tls.cipherList = o.args[0] as string
    },
  },
  'tls-ciphersuites': {
    handle(ctx, o) {
      if (arity(ctx, o, 1, 1)) ctx.d.tls.cipherSuites = o.args[0] as string
    },
  },
  'tls-groups': {
    handle(ctx, o) {
      if (arity(ctx, o, 1, 1)) ctx.d.tls.groups = o.args[0] as string
    },
  },
  'tls-cert-profile': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = o.args[0]
      if (v === 'legacy' || v === 'preferred' || v === 'suiteb' || v === 'insecure') {
        ctx.d.tls.certProfile = v
      } else err(ctx, o, `${quote(v ?? '')} is not legacy, preferred, suiteb or insecure`)
    },
  },
  'remote-cert-tls': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      const v = o.args[0]
      if (v === 'server') ctx.d.remoteCertTls = 'server'
      else if (v === 'client')
        err(ctx, o, "a client checks the server: use 'remote-cert-tls server'")
      else err(ctx, o, `${quote(v ?? '')}: expected 'server'`)
    },
  },
  'ns-cert-type': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 1)) return
      if (o.args[0] === 'server') {
        ctx.d.remoteCertTls = 'server'
        warn(ctx, o, "ns-cert-type is obsolete; treated as 'remote-cert-tls server'", 'deprecated')
      } else err(ctx, o, `${quote(o.args[0] ?? '')}: expected 'server'`)
    },
  },
  'verify-x509-name': {
    handle(ctx, o) {
      if (!arity(ctx, o, 1, 2)) return
      const name = o.args[0] as string
      const type = o.args[1] ?? 'subject'
      if (type !== 'subject' && type !== 'name' && type !== 'name-prefix') {
        err(ctx, o, `${quote(type)} is not subject, name or name-prefix`)
        return
      }
      if (name === '') {
        err(ctx, o, 'the name is empty')
        return
      }
      ctx.d.verifyX509Name = { name, type }
    },
  },
  'peer-fingerprint': {
    inline: true,
    repeatable: true,
    handle(ctx, o) {
      const list = o.inline
        ? (o.args[0] ?? '')
            .split('\n')
            .map((l) => l.trim())
            .filter((l) => l !== '' && !l.startsWith('#'))
        : o.args
      if (list.length === 0) {
        err(ctx, o, 'needs a SHA-256 fingerprint (AA:BB:…) or an inline list', 'missing_argument')
        return
      }
      for (const fp of list) {
        if (FINGERPRINT.test(fp)) ctx.d.peerFingerprints.push(fp.toUpperCase())
        else
          err(ctx, o, `${quote(fp)} is not a SHA-256 fingerprint (32 hex bytes separated by ':')`)
      }
    },
  },
  'remote-cert-ku': {
    handle(ctx, o) {
      if (o.args.length === 0) {
        ctx.d.remoteCertKu = []
        return
      }
      for (const v of o.args) {
        if (/^[0-9A-Fa-f]{1,4}$/.test(v)) ctx.d.remoteCertKu.push(v.toLowerCase())
        else err(ctx, o, `${quote(v)} is not a hex key usage value`)
      }
    },
  },
  'remote-cert-eku': {
    handle(ctx, o) {
      if (arity(ctx, o, 1, 1)) ctx.d.remoteCertEku = o.args[0] as string
    },
  },
}
