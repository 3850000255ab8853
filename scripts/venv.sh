# Sourced by scripts/demo.sh and scripts/test.sh: make ./.venv with ghostscan installed.
# Usage: GHOSTSCAN_EXTRAS=test . scripts/venv.sh   (sh passes no arguments to a sourced file)
set -eu
extras="${GHOSTSCAN_EXTRAS:-}"
if [ ! -x .venv/bin/python ]; then
    if ! python3 -m venv .venv >/dev/null 2>&1; then
        # Debian splits venv out of python3; install it when we may.
        if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
            echo "ghostscan: installing python3-venv" >&2
            apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
            rm -rf .venv
            python3 -m venv .venv
        else
            echo "ghostscan: python3 -m venv failed; install python3-venv (sudo apt-get install python3-venv)" >&2
            exit 1
        fi
    fi
fi
spec="."
[ -n "$extras" ] && spec=".[$extras]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e "$spec"
