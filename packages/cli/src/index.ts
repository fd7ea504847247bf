/**
 * @module @openvpn3-ts/cli
 * openvpn3 and openvpn3-admin command-line tools: the command framework (for embedding and
 * tests) and the command tables.
 */
export { run, usage, commandHelp } from './framework/run.js'
export { parseArgs, parseBool, ParsedArgs } from './framework/args.js'
export { defineCommand } from './framework/command.js'
export type { CommandContext, CommandEntry, CommandSpec, OptionSpec } from './framework/command.js'
export { CliError, UsageError, errorText } from './framework/errors.js'
export { createOutput, type Output } from './framework/output.js'
export { createPrompter, type Prompter } from './framework/prompt.js'
export { openvpn3Commands, adminCommands } from './commands/index.js'
