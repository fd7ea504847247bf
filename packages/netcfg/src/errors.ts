/**
 * Named errors of the netcfg package (style rule 8). Each maps to one D-Bus error at the
 * service boundary (spec §1.4, domain `net.openvpn.v3.netcfg.error`).
 */

/** An `ip` command failed; carries the arguments and the kernel's message. */
export class IpCommandError extends Error {
  override readonly name = 'IpCommandError'
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
    options?: ErrorOptions
  ) {
    super(`ip ${args.join(' ')}: ${stderr.trim() || 'failed'}`, options)
  }
  /** True when the kernel said the object already exists (EEXIST). */
  get exists(): boolean {
    return /File exists/i.test(this.stderr)
  }
  /** True when the object was not there (ENOENT/ESRCH/ENODEV). */
  get missing(): boolean {
    return /No such (process|file|device)|Cannot find device|not found/i.test(this.stderr)
  }
}

/** An address, prefix or network given by a caller is not valid. */
export class InvalidNetworkInputError extends Error {
  override readonly name = 'InvalidNetworkInputError'
}

/** A step of `Establish` failed; everything done so far has been undone. */
export class EstablishError extends Error {
  override readonly name = 'EstablishError'
}

/** Writing or restoring the resolv.conf file failed. */
export class ResolvConfError extends Error {
  override readonly name = 'ResolvConfError'
}

/** A call to systemd-resolved (org.freedesktop.resolve1) failed. */
export class ResolvedError extends Error {
  override readonly name = 'ResolvedError'
}

/** The configuration file or command line is invalid. */
export class NetcfgConfigError extends Error {
  override readonly name = 'NetcfgConfigError'
}
