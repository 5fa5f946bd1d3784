"""Bot 1+1: composition root, settings and channel adapters."""
