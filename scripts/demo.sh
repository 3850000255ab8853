#!/bin/sh
# Install ghostscan into ./.venv and audit the bundled demo mailbox (no server, no config).
set -eu
cd "$(dirname "$0")/.."
. scripts/venv.sh
exec .venv/bin/ghostscan audit --source samples/mailbox "$@"
