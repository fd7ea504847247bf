/**
 * The environment a hook runs with: a fixed minimal base (PATH, HOME, USER, LANG=C) plus
 * `OPENVPN3_*` variables describing the event. Nothing is inherited from the daemon's own
 * environment; every session-derived value goes through `cleanText` (no control characters,
 * bounded). Values are passed as variables only, never interpolated into a command line.
 */
import type { HookEvent } from './events.js'
import { cleanText } from './sanitize.js'

export const HOOK_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'

export interface HookIdentity {
  /** the daemon's user name and home directory */
  user: string
  home: string
}

/** Environment for one hook run (a plain object, safe to hand to spawn). */
export function buildHookEnv(ev: HookEvent, id: HookIdentity): Record<string, string> {
  const f = ev.facts
  const env: Record<string, string> = {
    PATH: HOOK_PATH,
    HOME: cleanText(id.home),
    USER: cleanText(id.user),
    LOGNAME: cleanText(id.user),
    LANG: 'C',
    OPENVPN3_EVENT: ev.kind,
    OPENVPN3_SESSION_PATH: cleanText(f.sessionPath),
    OPENVPN3_CONFIG_NAME: cleanText(f.configName ?? ''),
    OPENVPN3_SESSION_NAME: cleanText(f.sessionName ?? ''),
    OPENVPN3_DEVICE: cleanText(f.device ?? ''),
    OPENVPN3_PROTO: cleanText(f.proto ?? ''),
    OPENVPN3_SERVER_IP: cleanText(f.serverIp ?? ''),
    OPENVPN3_SERVER_PORT: f.serverPort === undefined ? '' : String(f.serverPort),
    OPENVPN3_SESSION_OWNER: f.owner === undefined ? '' : String(f.owner),
    OPENVPN3_SESSION_CREATED: f.created === undefined ? '' : String(f.created),
  }
  if (ev.kind === 'connect') {
    env['OPENVPN3_CONNECTED_AT'] = String(Math.floor(ev.at / 1000))
  } else {
    env['OPENVPN3_CONNECTED_AT'] = String(Math.floor(ev.connectedAt / 1000))
    env['OPENVPN3_REASON'] = cleanText(ev.reason)
    env['OPENVPN3_REASON_MESSAGE'] = cleanText(ev.message)
    env['OPENVPN3_BYTES_IN'] = String(ev.statistics['BYTES_IN'] ?? 0n)
    env['OPENVPN3_BYTES_OUT'] = String(ev.statistics['BYTES_OUT'] ?? 0n)
    env['OPENVPN3_PACKETS_IN'] = String(ev.statistics['PACKETS_IN'] ?? 0n)
    env['OPENVPN3_PACKETS_OUT'] = String(ev.statistics['PACKETS_OUT'] ?? 0n)
    env['OPENVPN3_DURATION'] = String(Math.max(0, Math.round((ev.at - ev.connectedAt) / 1000)))
  }
  return env
}
