"""Mailbox sources: where raw messages come from (Maildir, mbox, .eml folders; IMAP later)."""
