#!/bin/sh
# Install ghostscan with its test dependencies into ./.venv and run the whole suite.
# pytest exits 5 when it collects nothing, so an empty run fails here too.
set -eu
cd "$(dirname "$0")/.."
# The servers the tests start themselves, from Debian's packages:
# - dovecot-imapd: the IMAP tests run their own Dovecot (tests/servers/dovecot.py) with its
#   own config on free 127.0.0.1 ports; if the package also starts a system service on
#   143/993, ours never meets it. Debian keeps dovecot in /usr/sbin, off a user's PATH.
# - chromium: the HTML report's browser test drives it headless (tests/servers/chromium.py).
missing=""
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
    missing="dovecot-imapd openssl"
fi
if ! command -v chromium >/dev/null 2>&1; then
    missing="$missing chromium"
fi
if [ -n "$missing" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ghostscan: installing$(printf ' %s' $missing) for the tests" >&2
        # One package-list update for all of them.
        # shellcheck disable=SC2086
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null; } ||
            echo "ghostscan: installing$(printf ' %s' $missing) failed; the tests that need them will skip" >&2
    else
        echo "ghostscan: not installed:$(printf ' %s' $missing); the tests that need them will skip (sudo apt-get install$(printf ' %s' $missing))" >&2
    fi
fi
GHOSTSCAN_EXTRAS=test . scripts/venv.sh
exec .venv/bin/python -m pytest "$@"
