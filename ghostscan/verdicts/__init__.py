"""Verdicts: what happened in each conversation, and what to do next."""
