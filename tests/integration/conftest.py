"""Fixtures for tests against real servers on 127.0.0.1.

`dovecot` is ONE Dovecot for the whole test session (it starts in about 0.2 s) with two
accounts:

* ``anna``/``secret``: INBOX, Sent, Junk, Trash, Drafts, Archive, announced with their
  SPECIAL-USE flags (RFC 6154);
* ``berta``/``geheim``: INBOX and the German folders "Gesendete Elemente", "Spamverdacht",
  "Papierkorb", "Entwürfe", "Archiv" without any flag, as many German hosters serve them.

Because the server is shared, a test that stores mail works in a folder of its own
(`scratch_folder`) or asserts on differences, never on absolute counts in the shared folders.
Tests import the helpers as ``servers.dovecot`` / ``servers.cutting_proxy``: ``tests/`` is on
``sys.path`` because ``tests/conftest.py`` sits there without an ``__init__.py``.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Iterator

import pytest
from servers import missing_server
from servers.cutting_proxy import CuttingProxy
from servers.dovecot import Dovecot, DovecotUser, find_dovecot

ANNA = DovecotUser(
    "anna",
    "secret",
    folders={"Sent": "\\Sent", "Junk": "\\Junk", "Trash": "\\Trash", "Drafts": "\\Drafts", "Archive": "\\Archive"},
)
BERTA = DovecotUser(
    "berta",
    "geheim",
    special_use=False,
    folders={name: None for name in ("Gesendete Elemente", "Spamverdacht", "Papierkorb", "Entwürfe", "Archiv")},
)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """The session's Dovecot with `ANNA` and `BERTA`; skips when Dovecot is not installed."""
    binary = find_dovecot()
    if binary is None:
        missing_server("dovecot is not installed: sh scripts/test.sh installs it (apt-get install dovecot-imapd)")
    # A short /tmp path, not tmp_path: Dovecot's unix sockets live under it (108-byte limit)
    # and, when run as root, the mail user nobody must be able to reach it.
    base_dir = Path(tempfile.mkdtemp(prefix="gs-dc-", dir="/tmp"))
    try:
        server = Dovecot.start(base_dir, [ANNA, BERTA], binary=binary)
        try:
            yield server
        finally:
            server.stop()
    finally:
        shutil.rmtree(base_dir, ignore_errors=True)


@pytest.fixture
def scratch_folder(dovecot: Dovecot) -> Iterator[str]:
    """A new, empty folder of anna's for one test, deleted afterwards.

    Yields:
        Its name, e.g. ``"scratch-1f2e3d4c"``.
    """
    name = f"scratch-{uuid.uuid4().hex[:8]}"
    dovecot.create_folder("anna", name)
    yield name
    dovecot.delete_folder("anna", name)


@pytest.fixture
def proxy(dovecot: Dovecot) -> Iterator[CuttingProxy]:
    """A `CuttingProxy` in front of the session Dovecot's plain IMAP port, closed afterwards."""
    with CuttingProxy(dovecot.host, dovecot.port) as cutting_proxy:
        yield cutting_proxy
