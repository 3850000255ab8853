"""Actions: the few things ghostscan does to a mailbox when explicitly asked (rescue.py)."""
