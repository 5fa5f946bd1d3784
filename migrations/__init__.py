"""Alembic migrations; `upgrade_to_head` applies them on start."""
