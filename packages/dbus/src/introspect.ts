/**
 * Introspection XML generated from declarations. The service kit answers
 * `org.freedesktop.DBus.Introspectable.Introspect` with exactly this text, so the
 * generated XML and a live object's answer are the same (compat test, spec §1.3).
 */
import type { InterfaceDecl } from './declare.js'

const DOCTYPE =
  '<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"\n' +
  ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">'

function esc(s: string): string {
  return s
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
}

/** The standard interfaces every object answers (Properties, Introspectable, Peer). */
const STANDARD = `  <interface name="org.freedesktop.DBus.Properties">
    <method name="Get">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="out"/>
    </method>
    <method name="GetAll">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="a{sv}" name="properties" direction="out"/>
    </method>
    <method name="Set">
      <arg type="s" name="interface_name" direction="in"/>
      <arg type="s" name="property_name" direction="in"/>
      <arg type="v" name="value" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg type="s" name="interface_name"/>
      <arg type="a{sv}" name="changed_properties"/>
      <arg type="as" name="invalidated_properties"/>
    </signal>
  </interface>
  <interface name="org.freedesktop.DBus.Introspectable">
    <method name="Introspect">
      <arg type="s" name="xml_data" direction="out"/>
    </method>
  </interface>
  <interface name="org.freedesktop.DBus.Peer">
    <method name="Ping"/>
    <method name="GetMachineId">
      <arg type="s" name="machine_uuid" direction="out"/>
    </method>
  </interface>
`

/** XML of one declared interface (indented for a <node>). */
export function interfaceXml(decl: InterfaceDecl): string {
  const lines: string[] = [`  <interface name="${esc(decl.name)}">`]
  for (const [name, m] of Object.entries(decl.methods)) {
    const args = [
      ...m.in.map(([n, t]) => `      <arg type="${esc(t)}" name="${esc(n)}" direction="in"/>`),
      ...m.out.map(([n, t]) => `      <arg type="${esc(t)}" name="${esc(n)}" direction="out"/>`),
    ]
    if (args.length === 0) lines.push(`    <method name="${esc(name)}"/>`)
    else lines.push(`    <method name="${esc(name)}">`, ...args, '    </method>')
  }
  for (const [name, s] of Object.entries(decl.signals)) {
    const args = s.args.map(([n, t]) => `      <arg type="${esc(t)}" name="${esc(n)}"/>`)
    if (args.length === 0) lines.push(`    <signal name="${esc(name)}"/>`)
    else lines.push(`    <signal name="${esc(name)}">`, ...args, '    </signal>')
  }
  for (const [name, p] of Object.entries(decl.properties)) {
    lines.push(`    <property type="${esc(p.type)}" name="${esc(name)}" access="${p.access}"/>`)
  }
  lines.push('  </interface>')
  return lines.join('\n') + '\n'
}

/**
 * Full Introspect answer for an object with `interfaces` and direct `children` (node
 * names). Objects with no interfaces (path-tree nodes) list only children.
 */
export function objectXml(
  interfaces: readonly InterfaceDecl[],
  children: readonly string[]
): string {
  let xml = DOCTYPE + '\n<node>\n'
  if (interfaces.length > 0) xml += STANDARD
  for (const i of interfaces) xml += interfaceXml(i)
  for (const c of children) xml += `  <node name="${esc(c)}"/>\n`
  return xml + '</node>\n'
}
