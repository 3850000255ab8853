"""Notify: deliver what ghostscan found (the daily digest over SMTP) and remember what was sent."""
