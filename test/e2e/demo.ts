/**
 * The openvpn3-ts demo (issue 6, "the README's main job"), run by `scripts/demo.sh` as root:
 * starts the private system bus, the services, a stock OpenVPN 2.6 server in a network
 * namespace, imports a profile and starts a session with the `openvpn3` CLI, shows traffic
 * through the tunnel (ping and a short iperf3 each way), `sessions-list` and `session-stats`,
 * then disconnects and checks that nothing is left. Everything is torn down on exit, also on
 * failure or Ctrl-C (testkit cleanup by PID). Every step is printed with what it ran.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { IPERF_PORT } from '@openvpn3-ts/testkit'
import { type Stack, sessionPathOf, startStack } from './stack.js'

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s)
let stepNo = 0
const step = (title: string) => {
  stepNo += 1
  process.stdout.write(`\n${bold(`== ${stepNo}. ${title}`)}\n`)
}
const show = (cmd: string, text: string) => {
  process.stdout.write(`$ ${cmd}\n${text.replace(/\n*$/, '\n')}`)
}

class DemoStepError extends Error {
  override readonly name = 'DemoStepError'
}

async function cli(st: Stack, args: string[], input?: string): Promise<string> {
  const r = await st.cli(args, input !== undefined ? { input } : {})
  show(`openvpn3 ${args.join(' ')}`, r.stdout + r.stderr)
  if (r.code !== 0) throw new DemoStepError(`openvpn3 ${args[0] ?? ''} exited with ${r.code}`)
  return r.stdout
}

async function inClientNs(st: Stack, cmd: string, args: string[]): Promise<string> {
  const r = await st.lab.exec(st.lab.clientNs, cmd, args, { timeoutMs: 30_000 })
  show(`(client netns) ${cmd} ${args.join(' ')}`, r.stdout + r.stderr)
  if (r.code !== 0) throw new DemoStepError(`${cmd} failed with ${r.code}`)
  return r.stdout
}

async function main(): Promise<void> {
  step('Start the stack: private system bus, services, OpenVPN 2.6 server in a namespace')
  const t0 = performance.now()
  // backend clients run compiled, as installed (scripts/demo.sh builds first); under tsx the
  // data path is markedly slower (bench/README.md)
  const st = await startStack({ servers: [{ kind: 'cert' }], runner: 'dist', clientRunner: 'dist' })
  try {
    const server = st.lab.servers[0]
    if (!server) throw new DemoStepError('the lab has no server')
    process.stdout.write(
      [
        `bus:            ${st.bus.address}`,
        `client netns:   ${st.lab.clientNs} (${st.lab.clientAddr}): netcfg, backend starter, VPN clients`,
        `server netns:   ${st.lab.serverNs} (${st.lab.serverAddr}): openvpn 2.6, port ${server.port}, tunnel ${server.tunnelNetwork}`,
        `services:       log, configuration, sessions (root ns); netcfg, backends (client ns)`,
        `ready after ${(performance.now() - t0).toFixed(0)} ms`,
        '',
      ].join('\n')
    )

    step('Import the profile')
    const file = join(st.dir, 'demo.ovpn')
    await writeFile(file, server.profile)
    await cli(st, ['config-import', '--config', file, '--name', 'demo', '--persistent'])
    await cli(st, ['configs-list'])

    step('Start a session with the CLI')
    const started = await cli(st, ['session-start', '--config', 'demo'])
    const path = sessionPathOf(started)
    if (!path) throw new DemoStepError('session-start printed no session path')

    step('Traffic through the tunnel')
    await inClientNs(st, 'ip', ['-brief', 'address', 'show', 'type', 'tun'])
    await inClientNs(st, 'ping', ['-c', '3', '-i', '0.2', server.tunnelServerIp])
    const iperf = await st.lab.startIperfServer()
    try {
      for (const reverse of [false, true]) {
        await inClientNs(st, 'iperf3', [
          '-c',
          server.tunnelServerIp,
          '-p',
          String(IPERF_PORT),
          '-t',
          '2',
          ...(reverse ? ['-R'] : []),
          '--format',
          'm',
        ])
      }
    } finally {
      await iperf.stop()
    }

    step('sessions-list and session-stats')
    await cli(st, ['sessions-list'])
    await cli(st, ['session-stats', '--config', 'demo'])

    step('Disconnect and check that nothing is left')
    await cli(st, ['session-manage', '--config', 'demo', '--disconnect'])
    const deadline = Date.now() + 5000
    while ((await st.tunDevices()).length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100))
    }
    const tuns = await st.tunDevices()
    const routes = await st.tunRoutes()
    process.stdout.write(
      `TUN devices left: ${tuns.length ? tuns.join(', ') : 'none'}; tunnel routes left: ${routes.length || 'none'}\n`
    )
    await cli(st, ['sessions-list'])
    if (tuns.length > 0 || routes.length > 0) throw new DemoStepError('tunnel left behind')
  } finally {
    step('Clean up: stop services, server, namespaces, bus')
    await st.close()
    process.stdout.write('done\n')
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`)
    process.exit(1)
  }
)
