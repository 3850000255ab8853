"""Threading: group messages from all folders into conversations."""
