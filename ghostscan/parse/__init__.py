"""Parsing: raw header bytes → `MessageMeta`; bodies → text on demand."""
