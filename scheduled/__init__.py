"""Scheduled work: reconcile jobs that enqueue what is due, and the outbox sender that delivers it."""
