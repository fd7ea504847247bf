#!/usr/bin/env bash
# The main job. Grows into the full demo as the services land.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm run build
echo "openvpn3-ts: nothing to demonstrate yet"
