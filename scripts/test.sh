#!/bin/sh
# Install ghostscan with its test dependencies into ./.venv and run the whole suite.
# pytest exits 5 when it collects nothing, so an empty run fails here too.
set -eu
cd "$(dirname "$0")/.."
# The IMAP tests start their own Dovecot (tests/servers/dovecot.py) with its own config on
# free 127.0.0.1 ports; if the package also starts a system service on 143/993, ours never
# meets it. Debian keeps dovecot in /usr/sbin, off a normal user's PATH.
if ! command -v dovecot >/dev/null 2>&1 && [ ! -x /usr/sbin/dovecot ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ghostscan: installing dovecot-imapd for the IMAP tests" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dovecot-imapd openssl >/dev/null; } ||
            echo "ghostscan: installing dovecot-imapd failed; the IMAP tests will skip" >&2
    else
        echo "ghostscan: dovecot is not installed, the IMAP tests will skip (sudo apt-get install dovecot-imapd)" >&2
    fi
fi
# The HTML report's browser test drives Debian's chromium headless (tests/servers/chromium.py).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "ghostscan: installing chromium for the HTML report test" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ||
            echo "ghostscan: installing chromium failed; the browser test will skip" >&2
    else
        echo "ghostscan: chromium is not installed, the browser test will skip (sudo apt-get install chromium)" >&2
    fi
fi
GHOSTSCAN_EXTRAS=test . scripts/venv.sh
exec .venv/bin/python -m pytest "$@"
