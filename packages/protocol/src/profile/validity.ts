/**
 * The configuration manager's notion of a *valid* profile (spec dbus-api.md §3.5, upstream
 * `validate_profile`): the option list holds `client` or `tls-client`, `dev`, `remote` or a
 * `<connection>` block, and `ca`, and no `setenv GENERIC_CONFIG` (server-locked profile). An
 * invalid profile is still imported (with `valid=false`); `Validate` fails with the message below.
 */
import type { RawOption } from './option-list.js'

export interface ProfileValidity {
  readonly valid: boolean
  /** Missing option groups as upstream names them: `--ca`, `--client or --tls-client`, … */
  readonly missing: readonly string[]
  readonly serverLocked: boolean
  /** The `Validate` error text, or null when valid. */
  readonly message: string | null
}

export function checkValidity(options: readonly RawOption[]): ProfileValidity {
  const has = (name: string) => options.some((o) => !o.meta && o.name === name)
  const serverLocked = options.some(
    (o) => !o.meta && o.name === 'setenv' && o.args[0] === 'GENERIC_CONFIG'
  )
  const missing: string[] = []
  if (!has('ca')) missing.push('--ca')
  if (!has('client') && !has('tls-client')) missing.push('--client or --tls-client')
  if (!has('dev')) missing.push('--dev')
  if (!has('remote') && !has('connection')) missing.push('--remote')
  const message = serverLocked
    ? 'Server locked profiles are unsupported'
    : missing.length > 0
      ? `Configuration profile is missing required options: ${missing.join(', ')}`
      : null
  return { valid: message === null, missing, serverLocked, message }
}
