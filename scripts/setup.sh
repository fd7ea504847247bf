#!/usr/bin/env bash
# Installs everything openvpn3-ts needs on a fresh Debian 12 machine (as root): the Debian
# packages the services and the namespace lab use, then the npm dependencies (which also build the
# native TUN addon and usocket).
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for pair in dbus-daemon:dbus openvpn:openvpn iperf3:iperf3 ip:iproute2 setpriv:util-linux \
  openssl:openssl g++:g++ make:make python3:python3 ping:iputils-ping; do
  cmd=${pair%%:*} pkg=${pair##*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
# PostgreSQL server binaries for the access-hooks store test (initdb in a temp dir; no cluster
# of the machine is used or started)
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${need[*]}; run as root to install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # packages must not start daemons of their own (postgresql's cluster, iperf3's service)
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

# Accounts the services and the tests run under (idempotent): `openvpn` is upstream's service
# user/group; `ovpn3-test` is a second unprivileged, home-less system account so tests can run a
# client or service under a real, distinct UID (see packages/testkit/src/users.ts).
ensure_system_user() {
  local name=$1
  if ! getent group "$name" >/dev/null; then
    groupadd --system "$name"
  fi
  if ! getent passwd "$name" >/dev/null; then
    useradd --system --gid "$name" --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin --comment "openvpn3-ts $name" "$name"
  fi
}
if [ "$(id -u)" -eq 0 ]; then
  ensure_system_user openvpn
  ensure_system_user ovpn3-test
else
  for u in openvpn ovpn3-test; do
    getent passwd "$u" >/dev/null || echo "setup: user $u is missing; run as root to create it" >&2
  done
fi
