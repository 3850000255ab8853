"""Precision and recall of one label, shared by the classifier's and the language layer's scoring.

Imported as ``scoring``: pytest puts tests/ on the path (tests/conftest.py), and the report
scripts add it themselves.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Score:
    """Precision, recall and support of one label (that label against everything else).

    Attributes:
        name: the label or kind scored.
        true_positives: predicted as *name* and truly *name*.
        predicted: predicted as *name*.
        support: truly *name*.
    """

    name: str
    true_positives: int
    predicted: int
    support: int

    @property
    def precision(self) -> float:
        """1.0 when nothing was predicted as *name* (no false positive was made)."""
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        """1.0 when nothing truly is *name* (nothing was missed)."""
        return self.true_positives / self.support if self.support else 1.0
