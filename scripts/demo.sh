#!/usr/bin/env bash
# The openvpn3-ts demo (README's main job). As root on a fresh Debian 12 machine:
#   bash scripts/demo.sh
# installs what is missing (scripts/setup.sh), then runs test/e2e/demo.ts: private system bus,
# the services, a stock OpenVPN 2.6 server in a network namespace, profile import, session-start
# with the openvpn3 CLI, ping and iperf3 through the tunnel, sessions-list, session-stats,
# disconnect, cleanup. Everything the demo starts is removed again, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "demo: run as root (network namespaces, TUN devices)" >&2
  exit 1
fi
bash scripts/setup.sh
# compiled services' code for the backend clients (as installed), and the CLI bundle
npm run build --silent
demo_pid=
cleanup() {
  # the demo cleans up after itself; make sure it ends if this script is interrupted
  if [ -n "$demo_pid" ] && kill -0 "$demo_pid" 2>/dev/null; then
    kill -TERM "$demo_pid" 2>/dev/null || true
    wait "$demo_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM
node --conditions=source --import tsx test/e2e/demo.ts &
demo_pid=$!
wait "$demo_pid"
