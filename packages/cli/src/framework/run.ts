/**
 * The CLI dispatcher (spec dbus-api.md §13): `<program> <command> [options]`, `help [command]`,
 * `<command> --help`, hidden `--list-commands` / `--list-options <command>` for shell
 * completion. Loads only the command that runs, gives it a context (parsed options, output,
 * prompts, lazy bus), prints failures as one line `<program>/<command>: error: <text>` to
 * stderr and returns the exit code (0 ok, 1 failure, 2 usage).
 */
import { parseArgs } from './args.js'
import { BusHandle } from './bus.js'
import type { CommandEntry, CommandSpec, OptionSpec } from './command.js'
import { UsageError, errorText, exitCodeOf } from './errors.js'
import { createOutput, type Output } from './output.js'
import { createPrompter, type Prompter } from './prompt.js'

export interface RunEnv {
  out?: Output
  prompt?: Prompter
}

const HELP: OptionSpec = { name: 'help', short: 'h', help: 'Show this help' }

export function usage(program: string, commands: readonly CommandEntry[]): string {
  const w = Math.max(...commands.map((c) => c.name.length)) + 2
  return [
    `Usage: ${program} <command> [options]`,
    '',
    'Commands:',
    ...commands.filter((c) => !c.hidden).map((c) => `  ${c.name.padEnd(w)}${c.summary}`),
    '',
    `Run '${program} <command> --help' for the options of a command.`,
  ].join('\n')
}

export function commandHelp(program: string, spec: CommandSpec): string {
  const opts = [...spec.options, HELP]
  const left = opts.map((o) => {
    const names = [
      o.short ? `-${o.short}` : '',
      `--${o.name}`,
      ...(o.aliases ?? []).map((a) => `--${a}`),
    ]
      .filter(Boolean)
      .join(', ')
    const v =
      o.arg === 'required'
        ? ` ${o.metavar ?? 'VALUE'}`
        : o.arg === 'optional'
          ? ` [${o.metavar ?? 'VALUE'}]`
          : ''
    return names + v
  })
  const w = Math.max(...left.map((l) => l.length)) + 2
  return [
    `Usage: ${program} ${spec.name} [options]`,
    '',
    spec.summary,
    '',
    'Options:',
    ...opts.map((o, i) => `  ${(left[i] ?? '').padEnd(w)}${o.help}`),
    ...(spec.details && spec.details.length > 0 ? ['', ...spec.details] : []),
  ].join('\n')
}

export async function run(
  program: string,
  commands: readonly CommandEntry[],
  argv: readonly string[],
  env: RunEnv = {}
): Promise<number> {
  const out = env.out ?? createOutput()
  const [name, ...rest] = argv
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    const target = name === 'help' ? rest[0] : undefined
    if (target === undefined) {
      out.line(usage(program, commands))
      return name === undefined ? 2 : 0
    }
    const entry = commands.find((c) => c.name === target)
    if (!entry) {
      out.error(`${program}: unknown command '${target}'`)
      return 2
    }
    out.line(commandHelp(program, (await entry.load()).default))
    return 0
  }
  if (name === '--list-commands') {
    for (const c of commands) if (!c.hidden) out.line(c.name)
    return 0
  }
  if (name === '--list-options') {
    const entry = commands.find((c) => c.name === rest[0])
    if (!entry) return 2
    for (const o of (await entry.load()).default.options) out.line(`--${o.name}`)
    return 0
  }
  const entry = commands.find((c) => c.name === name)
  if (!entry) {
    out.error(`${program}: unknown command '${name}'. Run '${program} help' for a list.`)
    return 2
  }
  const spec = (await entry.load()).default
  const bus = new BusHandle()
  try {
    const args = parseArgs(rest, [...spec.options, HELP])
    if (args.has('help')) {
      out.line(commandHelp(program, spec))
      return 0
    }
    if (args.positionals.length > 0)
      throw new UsageError(`unexpected argument '${args.positionals[0]}'`)
    const code = await spec.run({
      args,
      out,
      prompt: env.prompt ?? createPrompter(),
      bus: () => bus.get(),
      program,
    })
    return code ?? 0
  } catch (err) {
    const text = errorText(err)
    for (const line of text.split('\n')) out.error(`${program}/${spec.name}: ${line}`)
    if (err instanceof UsageError) out.error(`Run '${program} ${spec.name} --help' for usage.`)
    return exitCodeOf(err)
  } finally {
    await bus.close()
  }
}
