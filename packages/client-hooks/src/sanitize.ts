/**
 * Untrusted session text (config names, device names, server addresses, status messages
 * come from profiles and servers) made safe for environment variables and log lines:
 * control characters (C0, DEL, C1) are removed and the length is bounded. Same rule as
 * upstream's log filter (spec dbus-api.md §2.11), plus C1 and a length cap.
 */

/** Longest value passed to a hook or a log line from session data. */
export const MAX_VALUE_LENGTH = 1024

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g

/** `text` without control characters, cut to `max` characters. */
export function cleanText(text: string, max = MAX_VALUE_LENGTH): string {
  const cleaned = text.replace(CONTROL, '')
  return cleaned.length > max ? cleaned.slice(0, max) : cleaned
}
