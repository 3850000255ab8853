"""Real servers on 127.0.0.1 for ghostscan's integration tests."""

import os

import pytest


def missing_server(reason: str) -> None:
    """Skip a test whose server is not installed - or fail it where servers are required.

    ``.ci/run`` sets ``GHOSTSCAN_REQUIRE_SERVERS=1``: there the test command installs
    Dovecot, so a missing one is a broken install, not a reason to skip.
    """
    if os.environ.get("GHOSTSCAN_REQUIRE_SERVERS"):
        pytest.fail(f"{reason} (GHOSTSCAN_REQUIRE_SERVERS is set)")
    pytest.skip(reason)
