"""Message-kind classification: bounce, delay, complaint, auto-reply, notification, human."""
