import gc

import pytest

from ghostscan import collector


@pytest.fixture(autouse=True)
def _restore_collector():
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_off_in_the_block_and_on_again_after():
    gc.enable()
    with collector.paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off_and_nothing_is_frozen():
    gc.disable()
    gc.unfreeze()
    with collector.paused(freeze=True):
        kept = [object() for _ in range(100)]
    assert not gc.isenabled()
    assert gc.get_freeze_count() == 0
    del kept


def test_freeze_keeps_what_the_block_made_out_of_later_collections():
    gc.enable()
    gc.unfreeze()
    with collector.paused(freeze=True):
        kept = [[] for _ in range(1000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(kept)


def test_the_collector_is_on_again_after_an_exception():
    gc.enable()
    with pytest.raises(RuntimeError), collector.paused():
        raise RuntimeError("boom")
    assert gc.isenabled()
