"""`paused`: Python's cyclic garbage collector off for a block that makes many objects."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """Run the block with the cyclic collector off, and switch it back on only if it was on.

    A scan of 100,000 messages holds millions of objects. Left on, the collector walks all
    of them again at every full collection while a stage (a sync, threading) adds more,
    none of which form cycles worth collecting meanwhile; whatever does (an exception's
    traceback) is collected once the collector runs again.

    Args:
        freeze: when the collector was on, freeze (`gc.freeze`) what exists at the end,
            so the first collections afterwards do not walk it once more either.
            `ghostscan.pipeline.scan` unfreezes everything when it ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()
