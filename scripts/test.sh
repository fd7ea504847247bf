#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages, npm ci), then runs `npm test`
# (format check, lint, type-check, generated-files check, every test). Run as root: the D-Bus,
# netns and OpenVPN-server tests need it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npm test
