"""Real servers on 127.0.0.1 for ghostscan's integration tests."""
