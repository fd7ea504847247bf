/**
 * A small parser for D-Bus introspection XML (the subset the D-Bus specification's
 * introspection format uses: node, interface, method, signal, property, arg,
 * annotation), for comparing our objects with recorded upstream introspection.
 */

export interface ParsedArg {
  name: string
  type: string
  direction: 'in' | 'out'
}
export interface ParsedInterface {
  methods: Map<string, ParsedArg[]>
  signals: Map<string, ParsedArg[]>
  properties: Map<string, { type: string; access: string }>
}
export interface ParsedNode {
  interfaces: Map<string, ParsedInterface>
  children: string[]
}

/** Malformed introspection XML. */
export class IntrospectionParseError extends Error {
  override readonly name = 'IntrospectionParseError'
}

function attrs(text: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const m of text.matchAll(/([A-Za-z_:][-\w:.]*)\s*=\s*"([^"]*)"/g)) {
    out[m[1] as string] = (m[2] as string)
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&quot;', '"')
      .replaceAll('&amp;', '&')
  }
  return out
}

/** Parse one Introspect answer. Child nodes are listed by name only. */
export function parseIntrospection(xml: string): ParsedNode {
  const clean = xml
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<!DOCTYPE[^>]*>/g, '')
    .replace(/<\?xml[^>]*\?>/g, '')
  const node: ParsedNode = { interfaces: new Map(), children: [] }
  let depth = 0
  let iface: ParsedInterface | undefined
  let member: { kind: 'method' | 'signal'; args: ParsedArg[] } | undefined
  for (const m of clean.matchAll(/<(\/?)([A-Za-z]+)([^>]*?)(\/?)>/g)) {
    const closing = m[1] === '/'
    const tag = m[2] as string
    const a = attrs(m[3] ?? '')
    const selfClosing = m[4] === '/'
    if (closing) {
      if (tag === 'node') depth--
      else if (tag === 'interface') iface = undefined
      else if (tag === 'method' || tag === 'signal') member = undefined
      continue
    }
    switch (tag) {
      case 'node':
        if (depth === 1 && a['name']) node.children.push(a['name'])
        if (!selfClosing) depth++
        break
      case 'interface': {
        if (depth !== 1) break
        const name = a['name']
        if (!name) throw new IntrospectionParseError('interface without name')
        iface = { methods: new Map(), signals: new Map(), properties: new Map() }
        node.interfaces.set(name, iface)
        if (selfClosing) iface = undefined
        break
      }
      case 'method':
      case 'signal': {
        if (!iface) break
        const name = a['name']
        if (!name) throw new IntrospectionParseError(`${tag} without name`)
        const args: ParsedArg[] = []
        ;(tag === 'method' ? iface.methods : iface.signals).set(name, args)
        member = selfClosing ? undefined : { kind: tag, args }
        break
      }
      case 'arg':
        if (member) {
          member.args.push({
            name: a['name'] ?? '',
            type: a['type'] ?? '',
            direction: member.kind === 'signal' ? 'out' : a['direction'] === 'out' ? 'out' : 'in',
          })
        }
        break
      case 'property':
        if (iface && a['name']) {
          iface.properties.set(a['name'], { type: a['type'] ?? '', access: a['access'] ?? '' })
        }
        break
      default:
        break
    }
  }
  return node
}

/**
 * Member-by-member differences between two parsed nodes ("ours" vs "theirs"), one line
 * each, e.g. `net.openvpn.v3.netcfg method AddNetworks in#0 type: a(suibb) ≠ a(subb)`.
 * Argument names are compared too (they are introspected, not on the wire).
 */
export function diffNodes(ours: ParsedNode, theirs: ParsedNode, onlyPrefix = ''): string[] {
  const out: string[] = []
  const names = new Set([...ours.interfaces.keys(), ...theirs.interfaces.keys()])
  for (const iname of [...names].sort()) {
    if (!iname.startsWith(onlyPrefix)) continue
    const a = ours.interfaces.get(iname)
    const b = theirs.interfaces.get(iname)
    if (!a || !b) {
      out.push(`${iname}: interface ${a ? 'only in ours' : 'missing in ours'}`)
      continue
    }
    for (const kind of ['method', 'signal'] as const) {
      const am = kind === 'method' ? a.methods : a.signals
      const bm = kind === 'method' ? b.methods : b.signals
      for (const m of [...new Set([...am.keys(), ...bm.keys()])].sort()) {
        const x = am.get(m)
        const y = bm.get(m)
        if (!x || !y) {
          out.push(`${iname} ${kind} ${m}: ${x ? 'only in ours' : 'missing in ours'}`)
          continue
        }
        for (const dir of ['in', 'out'] as const) {
          const xa = x.filter((g) => g.direction === dir)
          const ya = y.filter((g) => g.direction === dir)
          const xs = xa.map((g) => g.type).join('')
          const ys = ya.map((g) => g.type).join('')
          if (xs !== ys || xa.length !== ya.length) {
            out.push(`${iname} ${kind} ${m} ${dir} signature: ${xs || '-'} ≠ ${ys || '-'}`)
            continue
          }
          xa.forEach((g, i) => {
            if (g.name !== ya[i]?.name) {
              out.push(`${iname} ${kind} ${m} ${dir}#${i} name: ${g.name} ≠ ${ya[i]?.name}`)
            }
          })
        }
      }
    }
    for (const p of [...new Set([...a.properties.keys(), ...b.properties.keys()])].sort()) {
      const x = a.properties.get(p)
      const y = b.properties.get(p)
      if (!x || !y) {
        out.push(`${iname} property ${p}: ${x ? 'only in ours' : 'missing in ours'}`)
        continue
      }
      if (x.type !== y.type) out.push(`${iname} property ${p} type: ${x.type} ≠ ${y.type}`)
      if (x.access !== y.access)
        out.push(`${iname} property ${p} access: ${x.access} ≠ ${y.access}`)
    }
  }
  return out
}
