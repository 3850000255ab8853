"""ghostscan: find out why customers went quiet.

The library API::

    from datetime import datetime, timezone
    import ghostscan

    settings = ghostscan.load_settings("config.yaml")      # or ghostscan.Settings()
    result = ghostscan.scan_path("~/Mail", settings, now=datetime.now(timezone.utc))
    for decision in result.decisions:
        print(decision.verdict, decision.subject)

Names are imported on first use, so ``import ghostscan`` (and ``ghostscan --help``) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["Decision", "ScanResult", "Settings", "Verdict", "__version__", "load_settings", "scan", "scan_path"]

_LAZY = {
    "Decision": "ghostscan.verdicts.model",
    "Verdict": "ghostscan.verdicts.model",
    "Settings": "ghostscan.settings",
    "load_settings": "ghostscan.settings",
    "ScanResult": "ghostscan.pipeline",
    "scan": "ghostscan.pipeline",
    "scan_path": "ghostscan.pipeline",
}

if TYPE_CHECKING:
    from ghostscan.pipeline import ScanResult, scan, scan_path
    from ghostscan.settings import Settings, load_settings
    from ghostscan.verdicts.model import Decision, Verdict


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ghostscan' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
