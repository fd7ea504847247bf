/**
 * Prompts for user input (confirmations, and the user-input queue answers of session
 * commands): the question goes to stderr, one answer line is read from stdin. With `hidden`
 * on a terminal, echo is off (raw mode; backspace edits, Ctrl-C aborts). A closed stdin is an
 * error, never an endless wait.
 */
import { CliError } from './errors.js'

export interface Prompter {
  ask(question: string, opts?: { hidden?: boolean }): Promise<string>
}

type TtyIn = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (on: boolean) => unknown }

export function createPrompter(
  given?: TtyIn,
  output: NodeJS.WritableStream = process.stderr
): Prompter {
  // process.stdin is made on first use: most commands never ask (saves a few ms per start)
  let stdin: TtyIn | undefined = given
  const inputStream = (): TtyIn => (stdin ??= process.stdin)
  let buffered = ''
  let ended = false
  const waiters: (() => void)[] = []
  let started = false
  const wake = () => waiters.splice(0).forEach((w) => w())
  const start = (input: TtyIn) => {
    if (started) return
    started = true
    input.on('data', (d: string | Buffer) => {
      buffered += d.toString()
      wake()
    })
    input.on('end', () => {
      ended = true
      wake()
    })
  }
  return {
    async ask(question, opts = {}) {
      const input = inputStream()
      start(input)
      // echo goes off before the question is shown, so nothing typed after it can be echoed
      const raw = opts.hidden === true && input.isTTY === true && !!input.setRawMode
      if (raw) input.setRawMode?.(true)
      output.write(question)
      input.resume()
      try {
        for (;;) {
          if (raw) {
            // edit the buffer as keys arrive: backspace, Ctrl-C
            if (buffered.includes('\u0003')) throw new CliError('Interrupted', 130)
            while (/[^\u007f\b][\u007f\b]/.test(buffered))
              buffered = buffered.replace(/[^\u007f\b][\u007f\b]/, '')
            buffered = buffered.replace(/^[\u007f\b]+/, '')
          }
          const m = raw ? /[\r\n]/.exec(buffered) : /\n/.exec(buffered)
          if (m) {
            const answer = buffered.slice(0, m.index).replace(/\r$/, '')
            buffered = buffered.slice(m.index + 1)
            if (raw) output.write('\n')
            return answer
          }
          if (ended) {
            if (buffered !== '') {
              const answer = buffered
              buffered = ''
              return answer
            }
            throw new CliError('No input available (stdin closed)')
          }
          await new Promise<void>((r) => waiters.push(r))
        }
      } finally {
        if (raw) input.setRawMode?.(false)
        input.pause()
      }
    },
  }
}
