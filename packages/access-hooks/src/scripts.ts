/**
 * Connect/disconnect scripts with the eduVPN variable set (seed 001, spec 4.1). The script gets
 * only the VPN_* variables (plus PATH and configured extras), never the OpenVPN environment with
 * its password. At connect, a non-zero exit rejects the client.
 */
import { spawn } from 'node:child_process'
import { hostname } from 'node:os'

export interface VpnEventData {
  event: 'C' | 'D'
  userId: string
  profileId: string
  connectionId: string
  ip4: string
  ip6: string
  originatingIp: string
  bytesIn?: number
  bytesOut?: number
  serverId: string
  sessionId?: number
}

export function vpnEnv(
  d: VpnEventData,
  extra: Record<string, string> = {}
): Record<string, string> {
  const env: Record<string, string> = {
    ...extra,
    VPN_EVENT: d.event,
    VPN_USER_ID: d.userId,
    VPN_PROFILE_ID: d.profileId,
    VPN_CONNECTION_ID: d.connectionId,
    VPN_IP_FOUR: d.ip4,
    VPN_IP_SIX: d.ip6,
    VPN_PROTO: 'openvpn',
    VPN_NODE_HOST_NAME: hostname(),
    VPN_SERVER_ID: d.serverId,
  }
  if (d.event === 'C') env.VPN_ORIGINATING_IP = d.originatingIp
  if (d.event === 'D') {
    env.VPN_BYTES_IN = String(d.bytesIn ?? 0)
    env.VPN_BYTES_OUT = String(d.bytesOut ?? 0)
  }
  if (d.sessionId !== undefined) env.VPN_SESSION_ID = String(d.sessionId)
  return env
}

export interface ScriptResult {
  code: number | null
  signal: NodeJS.Signals | null
  timedOut: boolean
  stderr: string
}

/** Run a hook script with a clean environment; bounded by `timeoutMs` (SIGKILL after). */
export function runScript(
  path: string,
  env: Record<string, string>,
  timeoutMs: number
): Promise<ScriptResult> {
  return new Promise((resolve) => {
    const child = spawn(path, [], {
      env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    let timedOut = false
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d
    })
    const t = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(t)
      resolve({ code: null, signal: null, timedOut: false, stderr: e.message })
    })
    child.on('close', (code, signal) => {
      clearTimeout(t)
      resolve({ code, signal, timedOut, stderr: stderr.trim() })
    })
  })
}
