"""ghostscan: find out why customers went quiet."""

__version__ = "0.1.0"
