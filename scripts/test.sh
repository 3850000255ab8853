#!/bin/sh
# Install ghostscan with its test dependencies into ./.venv and run the whole suite.
# pytest exits 5 when it collects nothing, so an empty run fails here too.
set -eu
cd "$(dirname "$0")/.."
GHOSTSCAN_EXTRAS=test . scripts/venv.sh
exec .venv/bin/python -m pytest "$@"
