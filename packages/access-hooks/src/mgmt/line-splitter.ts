/**
 * Incremental splitter of the management byte stream into lines, with a hard cap on line length.
 * Output lines end with CRLF (spec 2.2); a lone LF is accepted too. The password prompt
 * `ENTER PASSWORD:` arrives without a terminator and is surfaced as its own line.
 */
import { MAX_INBOUND_LINE_BYTES } from '../constants.js'

export type SplitItem = { type: 'line'; line: string } | { type: 'overlong'; bytes: number }

const PASSWORD_PROMPT = 'ENTER PASSWORD:'

export class LineSplitter {
  #buf = ''
  #discarding = 0

  constructor(private readonly maxLineBytes = MAX_INBOUND_LINE_BYTES) {}

  /** Feed a chunk, get the complete lines it closes. */
  push(chunk: string): SplitItem[] {
    const out: SplitItem[] = []
    let data = chunk
    while (data.length > 0) {
      const nl = data.indexOf('\n')
      if (this.#discarding > 0) {
        if (nl < 0) {
          this.#discarding += data.length
          return out
        }
        out.push({ type: 'overlong', bytes: this.#discarding + nl })
        this.#discarding = 0
        data = data.slice(nl + 1)
        continue
      }
      if (nl < 0) {
        this.#buf += data
        if (this.#buf.length > this.maxLineBytes) {
          this.#discarding = this.#buf.length
          this.#buf = ''
        } else if (this.#buf === PASSWORD_PROMPT) {
          out.push({ type: 'line', line: PASSWORD_PROMPT })
          this.#buf = ''
        }
        return out
      }
      const line = this.#buf + data.slice(0, nl)
      this.#buf = ''
      data = data.slice(nl + 1)
      if (line.length > this.maxLineBytes) {
        out.push({ type: 'overlong', bytes: line.length })
        continue
      }
      out.push({ type: 'line', line: line.endsWith('\r') ? line.slice(0, -1) : line })
    }
    return out
  }

  reset(): void {
    this.#buf = ''
    this.#discarding = 0
  }
}
