/**
 * The command tables of `openvpn3` and `openvpn3-admin` (spec dbus-api.md §13). One line per
 * command: name, summary, lazy loader. To add a command, create `src/commands/<name>.ts`
 * default-exporting `defineCommand({...})` and add its line here (see README.md).
 */
import type { CommandEntry } from '../framework/command.js'

export const openvpn3Commands: CommandEntry[] = [
  {
    name: 'version',
    summary: 'Show program version information',
    load: () => import('./version.js'),
  },
  {
    name: 'config-import',
    summary: 'Import a configuration profile',
    load: () => import('./config-import.js'),
  },
  {
    name: 'configs-list',
    summary: 'List all available configuration profiles',
    load: () => import('./configs-list.js'),
  },
  {
    name: 'config-manage',
    summary: 'Manage configuration properties and overrides',
    load: () => import('./config-manage.js'),
  },
  {
    name: 'config-acl',
    summary: 'Manage access control lists for configurations',
    load: () => import('./config-acl.js'),
  },
  {
    name: 'config-dump',
    summary: 'Show/dump a configuration profile',
    load: () => import('./config-dump.js'),
  },
  {
    name: 'config-remove',
    summary: 'Remove an available configuration profile',
    load: () => import('./config-remove.js'),
  },
  {
    name: 'log',
    summary: 'Receive log events as they occur',
    load: () => import('./log.js'),
  },
  {
    name: 'session-start',
    summary: 'Start a new VPN session',
    load: () => import('./session-start.js'),
  },
  {
    name: 'sessions-list',
    summary: 'List available VPN sessions',
    load: () => import('./sessions-list.js'),
  },
  {
    name: 'session-manage',
    summary: 'Manage VPN sessions',
    load: () => import('./session-manage.js'),
  },
  {
    name: 'session-stats',
    summary: 'Show session statistics',
    load: () => import('./session-stats.js'),
  },
  {
    name: 'session-acl',
    summary: 'Manage access control lists for sessions',
    load: () => import('./session-acl.js'),
  },
]

export const adminCommands: CommandEntry[] = [
  {
    name: 'version',
    summary: 'Show program and service versions',
    load: () => import('./version.js'),
  },
  {
    name: 'log-service',
    summary: 'Manage the OpenVPN 3 Log service',
    load: () => import('./admin-log-service.js'),
  },
]
